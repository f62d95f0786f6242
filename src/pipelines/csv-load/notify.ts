import { appendFile } from 'node:fs/promises';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { currentEnv, type Env } from '../../core/invocation.js';
import { createLogger } from '../../core/logger.js';

/**
 * Tells people how a load went. On AWS: SNS Publish to the topic in NOTIFY_TOPIC_ARN. Locally
 * the runtime sets TRIBUTARY_NOTIFICATIONS_FILE and each notification is appended there as a
 * JSON line (the local notification log); WEBHOOK_URL additionally gets it as a JSON POST.
 * A notification that cannot be sent is logged, never thrown: the report in the bucket is
 * the record of the load, the notification only points at it.
 */
export type Notify = (subject: string, message: string) => Promise<void>;

export interface StoredNotification {
  at: string;
  topic: string | undefined;
  subject: string;
  message: string;
}

const logger = createLogger('csv-load');
let sns: { region: string; client: SNSClient } | undefined;

export function notifier(topicEnv: string, env: Env = currentEnv()): Notify {
  const topic = env[topicEnv] || undefined;
  const file = env.TRIBUTARY_NOTIFICATIONS_FILE || undefined;
  const webhook = env.WEBHOOK_URL || undefined;
  return async (rawSubject, message) => {
    const subject = snsSubject(rawSubject);
    const sends: Array<Promise<unknown>> = [];
    if (file) {
      const line: StoredNotification = { at: new Date().toISOString(), topic, subject, message };
      sends.push(appendFile(file, `${JSON.stringify(line)}\n`));
    } else if (topic?.startsWith('arn:')) {
      sends.push(
        snsClient(env).send(new PublishCommand({ TopicArn: topic, Subject: subject, Message: message })),
      );
    } else {
      logger.warn('no notification target (NOTIFY_TOPIC_ARN is not an ARN and no notifications file)', {
        subject,
      });
    }
    if (webhook) sends.push(postWebhook(webhook, { topic, subject, message }));
    const results = await Promise.allSettled(sends);
    for (const r of results) {
      if (r.status === 'rejected')
        logger.error('notification not sent', { subject, error: String(r.reason) });
    }
  };
}

async function postWebhook(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`webhook ${url} answered ${response.status}`);
}

function snsClient(env: Env): SNSClient {
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';
  if (sns?.region !== region) sns = { region, client: new SNSClient({ region }) };
  return sns.client;
}

/** SNS subjects: at most 100 characters, printable ASCII, no line breaks. */
export function snsSubject(subject: string): string {
  const ascii = subject.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length > 100 ? `${ascii.slice(0, 99)}…`.replace('…', '~') : ascii;
}
