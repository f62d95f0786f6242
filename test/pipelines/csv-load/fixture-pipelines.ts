import csvLoad from '../../../src/pipelines/csv-load/pipeline.js';

/** Only csv-load, for CLI runs (TRIBUTARY_PIPELINES) next to an e2e runtime. */
export const pipelines = [csvLoad];
