// `@ghr/core/config`: parsing and validating the deployment config (zod, yaml). Kept off the main entry so that the
// policy, the engine and the run layer load without the parser (a webhook Lambda or an embedder of `plan` does not
// pay for it).
export { ConfigError, formatConfigIssue } from './config/config-error.js';
export type { ConfigIssue } from './config/config-error.js';
export { defineConfig, loadConfig, parseConfig, validateConfig } from './config/load.js';
export type { ConfigValidation, LoadConfigOptions, ParseConfigOptions } from './config/load.js';
export type { GhrConfigInput } from './config/schema.js';
export { configJsonSchema } from './config/json-schema.js';
