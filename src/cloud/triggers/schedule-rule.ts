import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/**
 * An EventBridge rule invoking the function on its schedule. The expression was already
 * validated the way EventBridge validates it (core/schedule.ts); failed invocations are
 * retried by Lambda's asynchronous-invocation config, then land in the function's DLQ.
 */
export class ScheduleRule extends Construct {
  readonly rule: events.Rule;

  constructor(
    scope: Construct,
    id: string,
    props: { fn: IFunction; expression: string; description: string },
  ) {
    super(scope, id);
    this.rule = new events.Rule(this, 'Rule', {
      schedule: events.Schedule.expression(props.expression),
      description: props.description.slice(0, 512),
      targets: [new targets.LambdaFunction(props.fn)],
    });
  }
}
