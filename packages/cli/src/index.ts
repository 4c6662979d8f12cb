// Public API of @ghr/cli: the command as a function, for tests and embedding. The executable is `ghr`.
export { main } from './main.js';
export type { MainOptions } from './main.js';
export { simulateCommand } from './commands/simulate.js';
export { EXIT, processIo } from './io.js';
export type { CliIo } from './io.js';
export { CHART_MAX_POOL_PANELS, niceTicks, renderSvgChart, renderSvgReport, renderTerminalChart } from './render/chart.js';
export type { ChartOptions } from './render/chart.js';
export { SUMMARY_MAX_POOLS, renderSummary } from './render/summary.js';
export { progressLine } from './progress.js';
export type { ProgressLine } from './progress.js';
// `ghr serve` and `ghr demo` as functions
export { SERVE_DEFAULTS, startServe } from './serve/runtime.js';
export type { ServeOptions, ServeRuntime, ServeStats } from './serve/runtime.js';
export { PrometheusMetrics } from './serve/metrics.js';
export type { Gauge } from './serve/metrics.js';
export { SecretError, resolveSecret } from './serve/secrets.js';
export type { SecretSources } from './serve/secrets.js';
export { streamLogger } from './serve/logger.js';
export type { LogLevel, StreamLoggerOptions } from './serve/logger.js';
export { runDemo } from './demo/run-demo.js';
export type { DemoOptions, DemoReport } from './demo/run-demo.js';
export { renderDemoFrame, renderDemoLine } from './demo/view.js';
export type { DemoFrame } from './demo/view.js';
export { stubRunnerCommand, stubRunnerPath } from './demo/runner-program.js';
