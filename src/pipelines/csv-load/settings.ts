import type { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import type { Env } from '../../core/invocation.js';
import { readConfig } from '../../core/pipeline.js';
import type { TableResource } from '../../core/resources.js';
import { parseColumnTypes } from './item.js';
import pipeline, { type config } from './pipeline.js';
import type { KeySchema, TypingOptions } from './types.js';

export type CsvLoadConfig = z.infer<typeof config>;

export interface LoadSettings {
  config: CsvLoadConfig;
  keys: KeySchema;
  typing: TypingOptions;
}

/**
 * The pipeline's config checked against the declared table: the key columns must be the
 * table's key attributes, or every row would be rejected by DynamoDB. Refuses to start
 * (ConfigError) rather than fail row by row.
 */
export function loadSettings(env?: Env): LoadSettings {
  const cfg = readConfig(pipeline, env);
  const declared = pipeline.resources.target as TableResource;
  const keys = keySchemaFor(declared, cfg.KEY_COLUMN, cfg.SORT_KEY_COLUMN);
  return {
    config: cfg,
    keys,
    typing: { inferTypes: cfg.INFER_TYPES, columnTypes: parseColumnTypes(cfg.COLUMN_TYPES) },
  };
}

export function keySchemaFor(
  table: Pick<TableResource, 'name' | 'partitionKey' | 'sortKey'>,
  keyColumn: string,
  sortKeyColumn: string | undefined,
): KeySchema {
  if (keyColumn !== table.partitionKey.name) {
    throw new ConfigError(
      `KEY_COLUMN is "${keyColumn}" but table ${table.name} has partition key "${table.partitionKey.name}": the key column must be the table's partition key attribute`,
    );
  }
  if (sortKeyColumn !== undefined && sortKeyColumn !== table.sortKey?.name) {
    throw new ConfigError(
      table.sortKey
        ? `SORT_KEY_COLUMN is "${sortKeyColumn}" but table ${table.name} has sort key "${table.sortKey.name}"`
        : `SORT_KEY_COLUMN is "${sortKeyColumn}" but table ${table.name} has no sort key`,
    );
  }
  if (sortKeyColumn === undefined && table.sortKey) {
    throw new ConfigError(
      `table ${table.name} has sort key "${table.sortKey.name}": set SORT_KEY_COLUMN to the column that holds it`,
    );
  }
  return { partitionKey: table.partitionKey, ...(table.sortKey ? { sortKey: table.sortKey } : {}) };
}
