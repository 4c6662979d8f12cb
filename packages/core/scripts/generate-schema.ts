// Writes schema/ghr.config.schema.json from the zod config schema. Run: pnpm generate-schema (in packages/core).
// A test fails when the committed file differs from what this would write.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigJsonSchema } from '../src/config/json-schema.js';

const target = fileURLToPath(new URL('../schema/ghr.config.schema.json', import.meta.url));
writeFileSync(target, renderConfigJsonSchema());
process.stdout.write(`wrote ${target}\n`);
