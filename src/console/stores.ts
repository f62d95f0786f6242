import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { LocalConfig } from '../local/config.js';
import type { Endpoints } from '../local/runtime/functions.js';

/** The console reads pipelines' outputs (reports, summaries, tables) from the embedded endpoints. */
export interface Stores {
  s3: S3Client;
  dynamo: DynamoDBClient;
}

export function localStores(config: LocalConfig, endpoints: Endpoints): Stores {
  const common = {
    region: config.region,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    maxAttempts: 2,
  };
  return {
    s3: new S3Client({ ...common, endpoint: endpoints.s3Url, forcePathStyle: true }),
    dynamo: new DynamoDBClient({ ...common, endpoint: endpoints.dynamodbUrl }),
  };
}
