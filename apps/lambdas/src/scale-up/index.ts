// Bundle entry of the scale-up function: `handler` is what Lambda calls.
import { lambdaConfig } from '../config.js';
import { createScaleUpFunction } from './function.js';

export { createScaleUpFunction } from './function.js';

/** The scale-up function, wired from this execution environment's variables. */
export const handler = createScaleUpFunction({ config: lambdaConfig() });
