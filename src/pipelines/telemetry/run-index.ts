/**
 * The run index: one DynamoDB item per run (partition key `group`, sort key `run`), written
 * by POST /telemetry and updated by the upload indexer when a file lands in the bucket. A
 * group's runs are one Query; search filters and sorts those items, never the objects.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { FileSummary, RunRecord } from './run-record.js';

export class RunIndex {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Writes a run's telemetry fields, keeping the files already recorded. */
  async putRun(record: RunRecord): Promise<void> {
    const { group, run, files: _files, ...fields } = record;
    const names: Record<string, string> = { '#files': 'files' };
    const values: Record<string, unknown> = { ':empty': {} };
    const sets = ['#files = if_not_exists(#files, :empty)'];
    Object.entries(fields).forEach(([name, value], i) => {
      names[`#a${i}`] = name;
      values[`:v${i}`] = value;
      sets.push(`#a${i} = :v${i}`);
    });
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { group, run },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /**
   * Records one uploaded file. Idempotent (a redelivered event sets the same value); works
   * whether or not the run's telemetry arrived first.
   */
  async putFile(group: string, run: string, name: string, file: FileSummary): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { group, run },
            UpdateExpression: 'SET #files.#name = :file',
            ConditionExpression: 'attribute_exists(#files)',
            ExpressionAttributeNames: { '#files': 'files', '#name': name },
            ExpressionAttributeValues: { ':file': file },
          }),
        );
        return;
      } catch (err) {
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      }
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { group, run },
            UpdateExpression: 'SET #files = :files',
            ConditionExpression: 'attribute_not_exists(#files)',
            ExpressionAttributeNames: { '#files': 'files' },
            ExpressionAttributeValues: { ':files': { [name]: file } },
          }),
        );
        return;
      } catch (err) {
        // Someone created the map in between: add to it on the next round.
        if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
      }
    }
    throw new Error(`could not record ${group}/${run}/${name} in the run index after 3 attempts`);
  }

  async getRun(group: string, run: string): Promise<RunRecord | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { group, run } }));
    return Item as RunRecord | undefined;
  }

  /** Every run of a group (one Query, paginated), or of every group (Scan) when `group` is undefined. */
  async listRuns(group?: string): Promise<RunRecord[]> {
    const runs: RunRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page =
        group === undefined
          ? await this.db.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey: start }))
          : await this.db.send(
              new QueryCommand({
                TableName: this.table,
                KeyConditionExpression: '#g = :g',
                ExpressionAttributeNames: { '#g': 'group' },
                ExpressionAttributeValues: { ':g': group },
                ExclusiveStartKey: start,
              }),
            );
      runs.push(...((page.Items ?? []) as RunRecord[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return runs;
  }

  async deleteRun(group: string, run: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: { group, run } }));
  }
}
