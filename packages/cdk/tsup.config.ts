import { ghrTsupConfig } from '@ghr/config/tsup';

// aws-cdk-lib and constructs are peer dependencies: never bundled.
export const config = ghrTsupConfig({ external: ['aws-cdk-lib', 'constructs'] });
export { config as default };
