// Small stand-ins for apps/lambdas' bundles, for tests that do not need the real ones.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GHR_HANDLERS } from '@ghr/cdk';

/** A directory with a tiny `<handler>/index.mjs` per handler. */
export function fixtureBundles(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ghr-deploy-bundles-'));
  for (const handler of GHR_HANDLERS) {
    mkdirSync(join(dir, handler));
    writeFileSync(join(dir, handler, 'index.mjs'), `export const handler = async () => ({ handler: '${handler}' });\n`);
  }
  return dir;
}
