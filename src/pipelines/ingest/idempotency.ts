/**
 * Idempotency-Key: the first request with a key takes a lock (a conditional put into the
 * idempotency table); when it succeeds, its response is stored under the key. A repeat with
 * the same key and the same request gets that stored response and writes nothing; the same
 * key with a different request gets 422; a repeat while the first is still running gets 409.
 * Keys are scoped per caller, so two callers cannot see each other's responses.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { IDEMPOTENCY_LOCK_MS, MAX_IDEMPOTENCY_KEY_LENGTH } from './constants.js';
import { BadRequestError, IdempotencyInProgressError, IdempotencyMismatchError } from './errors.js';

export const IDEMPOTENCY_KEY_ATTRIBUTE = 'Key';

export interface StoredResponse {
  status: number;
  body: string;
}

export type Begin = { kind: 'new' } | { kind: 'replay'; response: StoredResponse };

/** What makes two requests "the same": method, path and body. */
export function fingerprint(method: string, path: string, contentType: string, body: string): string {
  return createHash('sha256').update(`${method} ${path}\n${contentType}\n`).update(body).digest('hex');
}

export function checkIdempotencyKey(key: string): void {
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw new BadRequestError(
      `Idempotency-Key must be 1-${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters without spaces`,
    );
  }
}

export class IdempotencyStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes the lock for `key`, or answers with what the first request with it got. */
  async begin(key: string, print: string): Promise<Begin> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const nowMs = this.now();
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.table,
            Item: {
              [IDEMPOTENCY_KEY_ATTRIBUTE]: { S: key },
              fingerprint: { S: print },
              status: { S: 'IN_PROGRESS' },
              lockedUntil: { N: String(nowMs + IDEMPOTENCY_LOCK_MS) },
              expiresAt: { N: String(Math.floor(nowMs / 1000) + this.ttlSeconds) },
            },
            // New, or expired (DynamoDB TTL deletes lazily), or a dead lock of the same request.
            ConditionExpression:
              'attribute_not_exists(#k) OR #exp < :nowSec OR (#st = :inProgress AND #lock < :nowMs AND #fp = :fp)',
            ExpressionAttributeNames: {
              '#k': IDEMPOTENCY_KEY_ATTRIBUTE,
              '#exp': 'expiresAt',
              '#st': 'status',
              '#lock': 'lockedUntil',
              '#fp': 'fingerprint',
            },
            ExpressionAttributeValues: {
              ':nowSec': { N: String(Math.floor(nowMs / 1000)) },
              ':nowMs': { N: String(nowMs) },
              ':inProgress': { S: 'IN_PROGRESS' },
              ':fp': { S: print },
            },
          }),
        );
        return { kind: 'new' };
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
      const existing = await this.client.send(
        new GetItemCommand({
          TableName: this.table,
          Key: { [IDEMPOTENCY_KEY_ATTRIBUTE]: { S: key } },
          ConsistentRead: true,
        }),
      );
      const item = existing.Item;
      if (!item) continue; // released meanwhile: try to take it again
      if (item.fingerprint?.S !== print) throw new IdempotencyMismatchError();
      if (item.status?.S === 'COMPLETED' && item.response?.B && item.responseStatus?.N) {
        return {
          kind: 'replay',
          response: {
            status: Number(item.responseStatus.N),
            body: gunzipSync(item.response.B).toString('utf8'),
          },
        };
      }
      throw new IdempotencyInProgressError();
    }
    throw new IdempotencyInProgressError();
  }

  /** Stores the response under the key; repeats get it from now on. */
  async complete(key: string, print: string, response: StoredResponse): Promise<void> {
    const nowMs = this.now();
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: {
          [IDEMPOTENCY_KEY_ATTRIBUTE]: { S: key },
          fingerprint: { S: print },
          status: { S: 'COMPLETED' },
          responseStatus: { N: String(response.status) },
          // Compressed: a response listing thousands of generated Ids stays far below 400 KB.
          response: { B: gzipSync(response.body) },
          expiresAt: { N: String(Math.floor(nowMs / 1000) + this.ttlSeconds) },
        },
      }),
    );
  }

  /** Frees the key after a request that stored nothing (a 4xx, or a failure before writing). */
  async release(key: string): Promise<void> {
    await this.client.send(
      new DeleteItemCommand({ TableName: this.table, Key: { [IDEMPOTENCY_KEY_ATTRIBUTE]: { S: key } } }),
    );
  }
}
