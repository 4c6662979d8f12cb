// Bundle entry of the webhook function: `handler` is what Lambda calls.
import { lambdaConfig } from '../config.js';
import { createWebhookFunction } from './function.js';

export { createWebhookFunction } from './function.js';
export { readLambdaConfig } from '../config.js';

/** The webhook function, wired from this execution environment's variables. */
export const handler = createWebhookFunction({ config: lambdaConfig() });
