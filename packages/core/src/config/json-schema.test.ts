import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, renderConfigJsonSchema } from './json-schema.js';

const committed = fileURLToPath(new URL('../../schema/ghr.config.schema.json', import.meta.url));
const example = fileURLToPath(new URL('../../../../examples/ghr.config.yaml', import.meta.url));

describe('configJsonSchema', () => {
  it('matches the committed schema/ghr.config.schema.json (run `pnpm generate-schema` in packages/core if not)', () => {
    expect(readFileSync(committed, 'utf8')).toBe(renderConfigJsonSchema());
  });

  it('is exported as @ghr/core/schema.json and shipped in the package', () => {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'));
    expect(pkg.exports['./schema.json']).toBe('./schema/ghr.config.schema.json');
    expect(pkg.files).toContain('schema');
  });

  describe('as an editor sees it (Ajv, draft 2020-12)', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
    const validate = ajv.compile(configJsonSchema());

    it('accepts the example config', () => {
      const ok = validate(parse(readFileSync(example, 'utf8')));
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    });

    it('flags a typo in a key, a bad duration, an inline secret and a scope naming two targets', () => {
      const input = parse(readFileSync(example, 'utf8'));
      input.pools[0].maxRunner = 3;
      input.pools[0].idleTimeout = '5 min';
      input.github.webhookSecret = 'inline';
      input.pools[1].scope = { org: 'acme', repo: 'acme/web' };
      expect(validate(input)).toBe(false);
      const paths = new Set((validate.errors ?? []).map((e) => `${e.instancePath} ${e.keyword}`));
      expect(paths).toContain('/pools/0 additionalProperties');
      expect(paths).toContain('/pools/0/idleTimeout anyOf');
      expect(paths).toContain('/github/webhookSecret type');
      expect(paths).toContain('/pools/1/scope oneOf');
    });
  });
});
