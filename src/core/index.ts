export * from './errors.js';
export * from './grants.js';
export * from './invocation.js';
export * from './pipeline.js';
export * from './resources.js';
export * from './retry.js';
export * from './schedule.js';
export * from './triggers.js';
