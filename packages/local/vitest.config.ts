import { ghrVitestConfig } from '@ghr/config/vitest';

// The provider and crash-safety tests start real processes: give them room on a loaded machine.
export const config = ghrVitestConfig(import.meta.dirname, { testTimeout: 20_000, hookTimeout: 20_000 });
export { config as default };
