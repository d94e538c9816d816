// One page for operators: incidents and how they ended, time to recovery, rollbacks by outcome,
// approvals asked and decided, and failed deliveries. Custom metrics come from the functions through
// Powertools (namespace Backstep, dimension service=backstep).
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

const NAMESPACE = 'Backstep';
const PERIOD = Duration.minutes(5);

export interface DashboardProps {
  readonly orchestrator: sfn.IStateMachine;
  readonly deadLetters: sqs.IQueue;
}

function custom(metricName: string, statistic: string, dimensions: Record<string, string> = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: NAMESPACE,
    metricName,
    statistic,
    period: PERIOD,
    dimensionsMap: { service: 'backstep', ...dimensions },
  });
}

/** Every status a metric was emitted with, one line each. */
function byDimension(metricName: string, dimension: string, label: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('{${NAMESPACE},service,${dimension}} MetricName="${metricName}"', 'Sum', ${PERIOD.toSeconds()})`,
    label,
    period: PERIOD,
  });
}

export function backstepDashboard(scope: Construct, id: string, props: DashboardProps): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, id, { defaultInterval: Duration.days(7) });
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Incidents',
      // Recorded by the learn function per incident; alarm events that joined or were ignored are not incidents.
      left: [
        custom('Incidents', 'Sum', { outcome: 'recovered' }).with({ label: 'recovered' }),
        custom('Incidents', 'Sum', { outcome: 'not-recovered' }).with({ label: 'not recovered: people took over' }),
      ],
      right: [
        props.orchestrator.metricStarted({ period: PERIOD, label: 'alarm events handled' }),
        props.orchestrator.metricAborted({ period: PERIOD, label: 'stopped by hand' }),
      ],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Time to recovery (seconds)',
      left: [
        custom('TimeToRecovery', 'p50', { outcome: 'recovered' }).with({ label: 'median' }),
        custom('TimeToRecovery', 'p90', { outcome: 'recovered' }).with({ label: 'p90' }),
      ],
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: 'Rollbacks by outcome',
      left: [byDimension('Rollbacks', 'status', 'rollbacks')],
      stacked: true,
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Approvals',
      left: [
        custom('ApprovalsRequested', 'Sum').with({ label: 'asked' }),
        custom('ApprovalsDecided', 'Sum').with({ label: 'decided' }),
      ],
      right: [
        new cloudwatch.MathExpression({
          expression: 'RUNNING_SUM(FILL(asked, 0) - FILL(decided, 0))',
          usingMetrics: { asked: custom('ApprovalsRequested', 'Sum'), decided: custom('ApprovalsDecided', 'Sum') },
          label: 'waiting',
          period: PERIOD,
        }),
      ],
      width: 12,
    }),
  );
  dashboard.addWidgets(
    new cloudwatch.SingleValueWidget({
      title: 'Events waiting in the dead-letter queue',
      metrics: [props.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) })],
      width: 12,
    }),
  );
  return dashboard;
}
