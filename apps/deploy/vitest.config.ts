import { ghrVitestConfig } from '@ghr/config/vitest';

// Synthesizing a stack takes a few seconds per test on a loaded machine.
export const config = ghrVitestConfig(import.meta.dirname, { testTimeout: 120_000, hookTimeout: 180_000 });
export { config as default };
