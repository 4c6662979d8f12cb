// Bundle entry of the termination-watcher function: `handler` is what Lambda calls.
import { lambdaConfig } from '../config.js';
import { createTerminationWatcherFunction } from './function.js';

export { createTerminationWatcherFunction } from './function.js';

/** The termination-watcher function, wired from this execution environment's variables. */
export const handler = createTerminationWatcherFunction({
  config: lambdaConfig(),
});
