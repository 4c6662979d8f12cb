import { ghrVitestConfig } from '@ghr/config/vitest';
import { configDefaults } from 'vitest/config';

// Two projects, one JSON report (reports/vitest/aws.json): unit tests in parallel; integration tests
// (`test/**/*.int.test.ts`) serially against one moto server started by test/setup/moto.ts.
export const config = ghrVitestConfig(import.meta.dirname, {
  projects: [
    {
      extends: true,
      test: {
        name: 'aws-unit',
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
        exclude: [...configDefaults.exclude, 'test/**/*.int.test.ts'],
      },
    },
    {
      extends: true,
      test: {
        name: 'aws-int',
        include: ['test/**/*.int.test.ts'],
        // `extends: true` merges the root include list in: keep only the integration files.
        exclude: [...configDefaults.exclude, 'src/**', 'test/**/!(*.int).test.ts'],
        globalSetup: ['test/setup/moto.ts'],
        fileParallelism: false,
        testTimeout: 30_000,
        hookTimeout: 60_000,
      },
    },
  ],
});
export { config as default };
