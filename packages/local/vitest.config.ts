import { ghrVitestConfig } from '@ghr/config/vitest';

export const config = ghrVitestConfig(import.meta.dirname);
export { config as default };
