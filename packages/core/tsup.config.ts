import { ghrTsupConfig } from '@ghr/config/tsup';

export const config = ghrTsupConfig({ entry: ['src/index.ts', 'src/config.ts', 'src/testing.ts'] });
export { config as default };
