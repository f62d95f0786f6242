import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { PipelineFunction } from './function.js';
import type { AlarmThresholds } from './stages.js';

type AddAlarm = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string) => void;

/** Alarms at or above a threshold, missing data = fine, notifying the alerts topic. */
function alarmFactory(scope: Construct, owner: string, topic: sns.ITopic, out: cloudwatch.Alarm[]): AddAlarm {
  return (name, metric, threshold, description) => {
    const alarm = new cloudwatch.Alarm(scope, name, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `${owner}: ${description}`,
    });
    alarm.addAlarmAction(new SnsAction(topic));
    out.push(alarm);
  };
}

function addDlqAlarms(add: AddAlarm, queue: sqs.IQueue, t: AlarmThresholds): void {
  const period = Duration.minutes(t.periodMinutes);
  add(
    'DlqNotEmpty',
    queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
    1,
    'failed events are waiting in the dead-letter queue',
  );
  add(
    'DlqOldestMessageAge',
    queue.metricApproximateAgeOfOldestMessage({ period, statistic: 'Maximum' }),
    t.dlqOldestMessageAgeSeconds,
    `a failed event has waited ${t.dlqOldestMessageAgeSeconds} s or more in the dead-letter queue`,
  );
}

/**
 * The alarms every function gets: errors, throttles, a maximum duration near the timeout
 * and, for asynchronous functions, a dead-letter queue that is not empty or holds an old message.
 */
export class FunctionAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    props: { fn: PipelineFunction; thresholds: AlarmThresholds; topic: sns.ITopic },
  ) {
    super(scope, id);
    const { fn, thresholds: t } = props;
    const add = alarmFactory(this, fn.id, props.topic, this.alarms);
    const period = Duration.minutes(t.periodMinutes);
    add(
      'Errors',
      fn.fn.metricErrors({ period, statistic: 'Sum' }),
      t.errors,
      `${t.errors} or more errors in ${period.toHumanString()}`,
    );
    add(
      'Throttles',
      fn.fn.metricThrottles({ period, statistic: 'Sum' }),
      t.throttles,
      `${t.throttles} or more throttled invocations in ${period.toHumanString()}`,
    );
    const nearTimeoutMs = Math.floor(fn.timeoutSeconds * 1000 * t.durationShareOfTimeout);
    add(
      'DurationNearTimeout',
      fn.fn.metricDuration({ period, statistic: 'Maximum' }),
      nearTimeoutMs,
      `an invocation ran ${nearTimeoutMs} ms or longer (${Math.round(t.durationShareOfTimeout * 100)}% of its ${fn.timeoutSeconds} s timeout)`,
    );
    if (fn.deadLetterQueue) addDlqAlarms(add, fn.deadLetterQueue, t);
  }
}

/** The same DLQ alarms for a declared queue's own redrive DLQ. */
export class QueueAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    props: { queue: sqs.IQueue; owner: string; thresholds: AlarmThresholds; topic: sns.ITopic },
  ) {
    super(scope, id);
    addDlqAlarms(alarmFactory(this, props.owner, props.topic, this.alarms), props.queue, props.thresholds);
  }
}
