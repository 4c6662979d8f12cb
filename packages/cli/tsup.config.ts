import { ghrTsupConfig } from '@ghr/config/tsup';

// The stub runner is plain JavaScript started as its own process: copied beside the bundles, not bundled.
export const config = ghrTsupConfig({
  entry: ['src/bin.ts', 'src/index.ts'],
  onSuccess: 'cp src/demo/stub-runner.mjs dist/stub-runner.js',
});
export { config as default };
