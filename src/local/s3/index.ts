export { LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY } from './constants.js';
export { S3Error } from './errors.js';
export { startS3Server } from './server.js';
export type { S3Server, S3ServerOptions } from './types.js';
