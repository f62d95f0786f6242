import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { ConfigError } from '../core/errors.js';
import { type Access, actionsFor, type Grant } from '../core/grants.js';
import { metricsNamespaceOf } from '../core/pipeline.js';
import type { CloudResource, KmsService } from './resources.js';

/**
 * IAM statements for one function, built only from its declared grants: for each grant
 * the actions `actionsFor(kind, access)` returns — no more, no fewer — on that resource's
 * ARN. Statement ids name the grant so a reviewer can map the template back to the declaration.
 */
export function grantStatements(
  grants: readonly Grant[],
  resources: Readonly<Record<string, CloudResource>>,
): iam.PolicyStatement[] {
  const statements: iam.PolicyStatement[] = [];
  const used = new Set<string>();
  // IAM wants statement ids unique within a policy (a resource may be granted twice).
  const unique = (base: string): string => {
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}${n}`;
    used.add(id);
    return id;
  };
  for (const grant of grants) {
    if (grant.kind === 'metrics') {
      // The cloud app passes grants resolved against the stage's config (resolveGrants).
      const statement = metricsStatement(metricsNamespaceOf(grant, {}));
      statement.sid = unique(statement.sid ?? 'PutMetrics');
      statements.push(statement);
      continue;
    }
    const resource = resources[grant.resource];
    if (!resource) throw new ConfigError(`grant names "${grant.resource}", which is not a declared resource`);
    const byArn = new Map<string, string[]>();
    for (const action of actionsFor(resource.kind, grant.access)) {
      const arn = resource.arnFor(action);
      byArn.set(arn, [...(byArn.get(arn) ?? []), action]);
    }
    for (const [arn, actions] of byArn) {
      statements.push(
        new iam.PolicyStatement({
          sid: unique(sid('Grant', grant.resource, grant.access.join('-'))),
          actions,
          resources: [arn],
        }),
      );
    }
  }
  return statements;
}

/**
 * PutMetricData has no resource-level permissions (AWS requires `Resource: *`); the
 * `cloudwatch:namespace` condition keeps the function to its declared namespace.
 */
export function metricsStatement(namespace: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: sid('PutMetrics', namespace),
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': namespace } },
  });
}

/**
 * What the stage key must allow a caller for each access to a resource encrypted with it,
 * per each service's KMS documentation:
 * - S3 (SSE-KMS): GetObject needs Decrypt; PutObject needs GenerateDataKey, and multipart
 *   uploads also Decrypt (to assemble parts). Deleting needs no key.
 * - DynamoDB: reads need Decrypt of the table key; writes also Encrypt and GenerateDataKey
 *   (as aws-cdk-lib's grantWriteData, without ReEncrypt, which no data-plane call uses).
 * - SQS: SendMessage needs GenerateDataKey and Decrypt; receiving needs Decrypt.
 * - SNS: Publish needs GenerateDataKey and Decrypt.
 */
const KMS_ACTIONS: Record<KmsService, Partial<Record<Access, string[]>>> = {
  s3: { read: ['kms:Decrypt'], write: ['kms:Decrypt', 'kms:GenerateDataKey'] },
  dynamodb: {
    read: ['kms:Decrypt'],
    write: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
    delete: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
  },
  sqs: { send: ['kms:Decrypt', 'kms:GenerateDataKey'], consume: ['kms:Decrypt'] },
  sns: { publish: ['kms:Decrypt', 'kms:GenerateDataKey'] },
};

export interface KeyUse {
  service: KmsService;
  access: readonly Access[];
}

/** Key uses implied by a function's grants on resources encrypted with the stage key. */
export function keyUsesOf(
  grants: readonly Grant[],
  resources: Readonly<Record<string, CloudResource>>,
): KeyUse[] {
  const uses: KeyUse[] = [];
  for (const grant of grants) {
    if (grant.kind !== 'resource') continue;
    const service = resources[grant.resource]?.kmsService;
    if (service) uses.push({ service, access: grant.access });
  }
  return uses;
}

/**
 * One statement for the stage key: the union of the KMS actions the key uses need, usable
 * only through the services concerned (`kms:ViaService`), so a function granted a table
 * cannot use the key to read a bucket's objects.
 */
export function keyStatement(key: kms.IKey, uses: readonly KeyUse[]): iam.PolicyStatement | undefined {
  const actions = new Set<string>();
  const services = new Set<KmsService>();
  for (const use of uses) {
    const needed = use.access.flatMap((a) => KMS_ACTIONS[use.service][a] ?? []);
    if (needed.length === 0) continue;
    for (const action of needed) actions.add(action);
    services.add(use.service);
  }
  if (actions.size === 0) return undefined;
  return new iam.PolicyStatement({
    sid: 'UseStageKey',
    actions: [...actions].sort(),
    resources: [key.keyArn],
    conditions: {
      StringEquals: {
        'kms:ViaService': [...services].sort().map((s) => `${s}.${Aws.REGION}.amazonaws.com`),
      },
    },
  });
}

/** Statement ids allow only letters and digits. */
function sid(...parts: string[]): string {
  return parts
    .join('-')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}
