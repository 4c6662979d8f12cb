// Bundle entry of the reconcile function: `handler` is what Lambda calls.
import { lambdaConfig } from '../config.js';
import { createReconcileFunction } from './function.js';

export { createReconcileFunction } from './function.js';

/** The reconcile function, wired from this execution environment's variables. */
export const handler = createReconcileFunction({ config: lambdaConfig() });
