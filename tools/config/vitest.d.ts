import type { UserConfig } from 'vitest/config';
export declare function ghrVitestConfig(packageDir: string, test?: UserConfig['test']): UserConfig;
