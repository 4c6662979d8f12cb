// The JSON Schema of a config file, generated from the zod schema (for editors: completion, hover docs, checks).
import { z } from 'zod';
import { configSchema } from './schema.js';

/** Where the generated file lives in the package, and its subpath export. */
export const CONFIG_JSON_SCHEMA_EXPORT = '@ghr/core/schema.json';

/**
 * The JSON Schema (draft 2020-12) of a ghr config file as written: the same as the committed
 * `schema/ghr.config.schema.json` (exported as `@ghr/core/schema.json`). Cross-field rules (unique ids,
 * reachable pools, ...) are not expressible there; `parseConfig` checks them.
 *
 * @example
 * ```ts
 * writeFileSync('ghr.config.schema.json', JSON.stringify(configJsonSchema(), null, 2));
 * ```
 */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
}

/** The committed file's text: pretty JSON with a trailing newline. */
export function renderConfigJsonSchema(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
