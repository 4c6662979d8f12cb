// Public API of @ghr/cli: the command as a function, for tests and embedding. The executable is `ghr`.
export { main } from './main.js';
export { simulateCommand } from './commands/simulate.js';
export { EXIT, processIo } from './io.js';
export type { CliIo } from './io.js';
export { renderSvgChart, renderTerminalChart } from './render/chart.js';
export type { ChartOptions } from './render/chart.js';
export { renderSummary } from './render/summary.js';
