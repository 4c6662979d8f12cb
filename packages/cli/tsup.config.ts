import { ghrTsupConfig } from '@ghr/config/tsup';

export const config = ghrTsupConfig({ entry: ['src/bin.ts', 'src/index.ts'] });
export { config as default };
