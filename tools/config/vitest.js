// Shared Vitest configuration. Tests import sibling workspace packages from their sources (an alias built
// from each package's `exports` map: ./dist/<x>.js -> ./src/<x>.ts), so a test never runs against a stale
// build; typecheck and build still go through the published `exports`.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const workspaceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function sourceAliases() {
  const aliases = [];
  for (const dir of ['packages', 'tools']) {
    const base = join(workspaceRoot, dir);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const pkgFile = join(base, name, 'package.json');
      if (!existsSync(pkgFile)) continue;
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
      if (!pkg.name?.startsWith('@ghr/') || !pkg.exports) continue;
      for (const [subpath, target] of Object.entries(pkg.exports)) {
        const file = typeof target === 'string' ? target : (target.import ?? target.default);
        if (typeof file !== 'string' || !file.startsWith('./dist/')) continue;
        const src = join(base, name, file.replace('./dist/', 'src/').replace(/\.js$/, '.ts'));
        if (!existsSync(src)) continue;
        const spec = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
        aliases.push({ find: new RegExp(`^${spec.replace(/[/.]/g, '\\$&')}$`), replacement: src });
      }
    }
  }
  return aliases;
}

/**
 * @param {string} packageDir absolute path of the package being tested
 * @param {import('vitest/config').UserConfig['test']} [test] extra test options
 */
export function ghrVitestConfig(packageDir, test = {}) {
  const name = basename(packageDir);
  const { coverage, ...rest } = test;
  return defineConfig({
    resolve: { alias: sourceAliases() },
    test: {
      name,
      environment: 'node',
      restoreMocks: true,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      reporters: ['default', ['json', { outputFile: join(workspaceRoot, 'reports/vitest', `${name}.json`) }]],
      env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      coverage: {
        provider: 'v8',
        include: ['src/**/*.ts'],
        exclude: ['src/**/*.test.ts', 'src/**/*.test-support.ts'],
        reporter: ['text-summary', 'json-summary'],
        ...coverage,
      },
      ...rest,
    },
  });
}
