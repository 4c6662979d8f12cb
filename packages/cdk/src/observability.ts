// Alarms (to one SNS topic) and the dashboard of a ghr deployment, from SQS, Lambda and ghr's own EMF metrics.
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Pool } from '@ghr/core';
import type { LaunchErrorCode } from '@ghr/core';

/** Launch failure codes of the `LaunchFailures` metric (dimension `code`). */
export const LAUNCH_ERROR_CODES: readonly LaunchErrorCode[] = ['capacity', 'quota', 'throttled', 'invalid-config', 'internal'];

/** Props of {@link GhrObservability}. */
export interface GhrObservabilityProps {
  readonly environment: string;
  readonly namespace: string;
  readonly pools: readonly Pool[];
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly functions: Readonly<Record<string, IFunction>>;
  readonly githubRateBudget: number;
  readonly oldestMessageSeconds: number;
}

/**
 * The alarms (dead-letter queue not empty, oldest queued event too old, each function's errors, GitHub API budget
 * low, launch failures per pool), all notifying {@link GhrObservability.alarmTopic}, and a dashboard: job start
 * latency, queued jobs and runners by state per pool, launches and failures by code, API calls by target.
 *
 * @example
 * ```ts
 * const obs = new GhrObservability(this, 'Observability', { environment: 'prod', namespace: 'ghr/prod', ... });
 * obs.alarmTopic.addSubscription(new EmailSubscription('oncall@example.com'));
 * ```
 */
export class GhrObservability extends Construct {
  readonly alarmTopic: Topic;
  readonly alarms: readonly Alarm[];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: GhrObservabilityProps) {
    super(scope, id);
    // Not KMS-encrypted: alarm notifications carry alarm names and thresholds, no secret (see suppressions).
    this.alarmTopic = new Topic(this, 'AlarmTopic', { displayName: `ghr (${props.environment}) alarms`, enforceSSL: true });
    const ns = props.namespace;
    const metric = (name: string, dimensions: Record<string, string>, statistic = 'Sum'): Metric =>
      new Metric({ namespace: ns, metricName: name, dimensionsMap: dimensions, statistic, period: Duration.minutes(5) });

    const alarms: Alarm[] = [
      new Alarm(this, 'DeadLetters', {
        alarmDescription: 'Job events failed scale-up repeatedly and sit in the dead-letter queue: read them, fix the cause, redrive.',
        metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'OldestEvent', {
        alarmDescription: 'Job events wait in the queue: scale-up is failing or throttled.',
        metric: props.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: props.oldestMessageSeconds,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'GitHubRateBudget', {
        alarmDescription: 'The GitHub App is close to its REST rate limit: scale-ups and sweeps will be delayed.',
        metric: metric('GitHubRateRemaining', { resource: 'core' }, 'Minimum'),
        threshold: props.githubRateBudget,
        comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    ];
    for (const [name, fn] of Object.entries(props.functions)) {
      alarms.push(
        new Alarm(this, `Errors-${name}`, {
          alarmDescription: `The ${name} function fails: read its log group.`,
          metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    for (const pool of props.pools) {
      alarms.push(
        new Alarm(this, `LaunchFailures-${pool.id}`, {
          alarmDescription: `Runners of pool ${pool.id} fail to launch (capacity, quota, throttling, invalid config): see the LaunchFailures metric by code.`,
          metric: this.#launchFailures(ns, pool.id),
          threshold: 5,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    const action = new SnsAction(this.alarmTopic);
    for (const alarm of alarms) alarm.addAlarmAction(action);
    this.alarms = alarms;

    const search = (expression: string, label: string, statistic = 'Sum'): IMetric =>
      new MathExpression({ expression: `SEARCH('${expression}', '${statistic}', 60)`, label, period: Duration.minutes(1) });
    this.dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `ghr-${props.environment}` });
    this.dashboard.addWidgets(
      new TextWidget({ markdown: `# ghr (${props.environment})\nMetrics in namespace \`${ns}\`.`, width: 24, height: 1 }),
      new GraphWidget({
        title: 'Job start latency (p50, p90) by pool',
        left: [search(`{${ns},pool} MetricName="JobStartLatency"`, 'p90', 'p90'), search(`{${ns},pool} MetricName="JobStartLatency"`, 'p50', 'p50')],
        width: 12,
      }),
      new GraphWidget({ title: 'Queued jobs by pool', left: [search(`{${ns},pool} MetricName="QueuedJobs"`, 'queued', 'Maximum')], width: 12 }),
      new GraphWidget({ title: 'Runners by pool and state', left: [search(`{${ns},pool,state} MetricName="Runners"`, 'runners', 'Maximum')], width: 12 }),
      new GraphWidget({
        title: 'Launches and launch failures by code',
        left: [search(`{${ns},pool} MetricName="RunnersLaunched"`, 'launched'), search(`{${ns},pool,code} MetricName="LaunchFailures"`, 'failed')],
        width: 12,
      }),
      new GraphWidget({ title: 'External API calls by target', left: [search(`{${ns},target} MetricName="ApiCalls"`, 'calls')], width: 12 }),
      new GraphWidget({
        title: 'Event queue',
        left: [props.queue.metricApproximateNumberOfMessagesVisible(), props.deadLetterQueue.metricApproximateNumberOfMessagesVisible()],
        right: [props.queue.metricApproximateAgeOfOldestMessage()],
        width: 12,
      }),
    );
  }

  #launchFailures(ns: string, poolId: string): MathExpression {
    const usingMetrics: Record<string, IMetric> = {};
    LAUNCH_ERROR_CODES.forEach((code, i) => {
      usingMetrics[`f${i}`] = new Metric({ namespace: ns, metricName: 'LaunchFailures', dimensionsMap: { pool: poolId, code }, statistic: 'Sum', period: Duration.minutes(5) });
    });
    return new MathExpression({
      expression: Object.keys(usingMetrics).map((k) => `FILL(${k}, 0)`).join(' + '),
      usingMetrics,
      label: `LaunchFailures ${poolId}`,
      period: Duration.minutes(5),
    });
  }
}
