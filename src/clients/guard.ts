import type { InitializeMiddleware, MiddlewareStack } from '@smithy/types';
import { iamActionForCommand } from '../core/grants.js';
import { currentGuard } from '../core/invocation.js';
import type { Service } from './settings.js';

/** What the guard is asked about: an IAM action on a named resource of a service. */
export interface AccessCheck {
  action: string;
  service: Service;
  /** Bucket, table or secret name; `*` for commands that name none (ListBuckets, ListTables). */
  name: string;
}

/** The SDK's serviceId of each client (client.config.serviceId), which iamActionForCommand maps. */
export const SERVICE_ID: Record<Service, string> = {
  s3: 'S3',
  dynamodb: 'DynamoDB',
  secretsmanager: 'Secrets Manager',
};

type Input = Record<string, unknown>;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/** `bucket/key`, `/bucket/key?versionId=…`, URL-encoded or not → `bucket`. */
export function copySourceBucket(copySource: string): string {
  const path = decodeURIComponent(copySource.split('?')[0] ?? '').replace(/^\/+/, '');
  return path.split('/')[0] ?? '';
}

/** Table names may be given as ARNs (`arn:aws:dynamodb:…:table/Name`). */
function tableName(value: string): string {
  const match = /^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\/([^/]+)/.exec(value);
  return match?.[1] ?? value;
}

/** Each (action, resource) an SDK command touches, per the IAM Service Authorization Reference. */
export function accessChecks(service: Service, commandName: string, input: Input): AccessCheck[] {
  const action = iamActionForCommand(SERVICE_ID[service], commandName);
  const on = (name: string | undefined): AccessCheck => ({ action, service, name: name ?? '*' });
  const command = commandName.replace(/Command$/, '');
  switch (service) {
    case 's3': {
      const checks = [on(text(input.Bucket))];
      const source = text(input.CopySource);
      if ((command === 'CopyObject' || command === 'UploadPartCopy') && source) {
        checks.push({ action: 's3:GetObject', service, name: copySourceBucket(source) });
      }
      return checks;
    }
    case 'dynamodb': {
      const requestItems = input.RequestItems;
      if ((command === 'BatchWriteItem' || command === 'BatchGetItem') && requestItems) {
        return Object.keys(requestItems).map((name) => on(tableName(name)));
      }
      const table = text(input.TableName);
      return [on(table && tableName(table))];
    }
    case 'secretsmanager':
      return [on(text(input.SecretId))];
  }
}

export const ACCESS_GUARD_MIDDLEWARE = 'tributaryAccessGuard';

/**
 * Adds the local stand-in for IAM to a client: before anything else runs (so before any
 * network I/O), each resource the command touches is passed to the invocation's guard, which
 * throws when the function's grants do not cover it. Without a guard (on Lambda, in tests)
 * it does nothing; the guard is looked up per call, so one cached client serves every scope.
 */
export function addAccessGuard<I extends object, O extends object>(
  stack: MiddlewareStack<I, O>,
  service: Service,
): void {
  const middleware: InitializeMiddleware<I, O> = (next, context) => async (args) => {
    const guard = currentGuard();
    if (guard) {
      // A command the SDK does not name cannot be matched to a grant: deny rather than allow.
      const commandName = context.commandName ?? 'UnnamedCommand';
      for (const check of accessChecks(service, commandName, args.input as Input)) {
        guard(check.action, { service: check.service, name: check.name });
      }
    }
    return next(args);
  };
  stack.add(middleware, {
    step: 'initialize',
    priority: 'high',
    name: ACCESS_GUARD_MIDDLEWARE,
    override: true,
  });
}
