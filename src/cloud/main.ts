// The CDK app entry that `cdk.json` names, for users who run the aws-cdk CLI directly
// (`npx cdk synth`, `npx cdk deploy tributary-devl`). `tributary synth` / `deploy` build the same app.
import { pipelines } from '../pipelines/index.js';
import { buildApp } from './app.js';

buildApp({ pipelines }).app.synth();
