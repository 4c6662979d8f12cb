// Bundle entry of the binaries-syncer function: `handler` is what Lambda calls.
import { lambdaConfig } from '../config.js';
import { createBinariesSyncerFunction } from './function.js';

export { createBinariesSyncerFunction } from './function.js';

/** The binaries-syncer function, wired from this execution environment's variables. */
export const handler = createBinariesSyncerFunction({ config: lambdaConfig() });
