import { ghrVitestConfig } from '@ghr/config/vitest';

// Simulations of hundreds of jobs take seconds each on a busy machine.
export const config = ghrVitestConfig(import.meta.dirname, { testTimeout: 120_000 });
export { config as default };
