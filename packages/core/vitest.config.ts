import { ghrVitestConfig } from '@ghr/config/vitest';

export const config = ghrVitestConfig(import.meta.dirname, {
  // The scaling policy and its schedules are pure: every line is tested (issue 2).
  coverage: { thresholds: { 'src/policy/**': { lines: 100 }, 'src/schedule/**': { lines: 100 } } },
});
export { config as default };
