import { ghrVitestConfig } from '@ghr/config/vitest';
import { configDefaults } from 'vitest/config';

// Two projects, one JSON report (reports/vitest/lambdas.json): unit tests of the handlers; the end-to-end
// scenarios (`test/**/*.int.test.ts`) serially against one moto server started by test/setup/moto.ts.
export const config = ghrVitestConfig(import.meta.dirname, {
  projects: [
    {
      extends: true,
      test: {
        name: 'lambdas-unit',
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        exclude: [...configDefaults.exclude, 'test/**/*.int.test.ts'],
      },
    },
    {
      extends: true,
      test: {
        name: 'lambdas-e2e',
        include: ['test/**/*.int.test.ts'],
        exclude: [...configDefaults.exclude, 'src/**', 'test/**/!(*.int).test.ts'],
        globalSetup: ['test/setup/moto.ts'],
        fileParallelism: false,
        testTimeout: 240_000,
        hookTimeout: 60_000,
      },
    },
  ],
});
export { config as default };
