import { ghrTsupConfig } from '@ghr/config/tsup';

// Two entries: the whole adapter, and `@ghr/github/webhooks` without Octokit (small webhook bundles).
export const config = ghrTsupConfig({ entry: ['src/index.ts', 'src/webhooks.ts'] });
export { config as default };
