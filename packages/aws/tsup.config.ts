import { ghrTsupConfig } from '@ghr/config/tsup';

// `@ghr/aws/testing` (moto launcher, test clients, fault proxy, call counter) is a separate entry so that the
// main entry never pulls in node:child_process or an HTTP server.
export const config = ghrTsupConfig({ entry: ['src/index.ts', 'src/testing.ts'] });
export { config as default };
