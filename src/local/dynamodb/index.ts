export { startDynamoServer } from './server.js';
export type { DynamoServer, DynamoServerOptions, TableSpec } from './types.js';
