// `@ghr/aws/metrics`: the Metrics port as CloudWatch EMF lines. Needs no `@aws-sdk/*` package.
export { EmfMetrics } from './metrics/emf-metrics.js';
export type { EmfMetricsOptions } from './metrics/emf-metrics.js';
