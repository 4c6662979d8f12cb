import { ghrVitestConfig } from '@ghr/config/vitest';

export default ghrVitestConfig(import.meta.dirname, { include: ['*.test.js'] });
