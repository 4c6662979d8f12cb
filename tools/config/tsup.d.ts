import type { Options } from 'tsup';
export declare function ghrTsupConfig(overrides?: Options): Options;
