import { ESLint } from 'eslint';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: root });

async function lintAs(relativeFile, code) {
  const [result] = await eslint.lintText(code, { filePath: join(root, relativeFile) });
  return result.messages.filter((m) => m.ruleId === 'ghr/module-boundaries').map((m) => m.message);
}

describe('ghr/module-boundaries', () => {
  it('rejects an import of an adapter from core', async () => {
    const messages = await lintAs('packages/core/src/fixture.ts', "import { x } from '@ghr/aws';\nexport { x };\n");
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain('@ghr/core (type:core) may not import @ghr/aws');
  });

  it('rejects an adapter importing another adapter outside tests', async () => {
    const messages = await lintAs('packages/github/src/fixture.ts', "export { y } from '@ghr/sim';\n");
    expect(messages[0]).toContain('may not import @ghr/sim');
  });

  it('lets adapter tests use the simulated GitHub', async () => {
    const messages = await lintAs('packages/github/test/fixture.int.test.ts', "import { y } from '@ghr/sim';\nvoid y;\n");
    expect(messages).toEqual([]);
  });

  it('lets an adapter import core', async () => {
    const messages = await lintAs('packages/aws/src/fixture.ts', "import type { Pool } from '@ghr/core';\nexport type { Pool };\n");
    expect(messages).toEqual([]);
  });

  it('rejects deep imports into another package and relative imports leaving the package', async () => {
    const deep = await lintAs('packages/aws/src/fixture.ts', "import { z } from '@ghr/core/src/domain.js';\nvoid z;\n");
    const relative = await lintAs('packages/aws/src/fixture.ts', "import { z } from '../../core/src/domain.js';\nvoid z;\n");
    expect(deep[0]).toContain('Deep import');
    expect(relative[0]).toContain('Relative import');
  });
});
