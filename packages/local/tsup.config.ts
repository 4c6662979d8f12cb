import { ghrTsupConfig } from '@ghr/config/tsup';

export const config = ghrTsupConfig();
export { config as default };
