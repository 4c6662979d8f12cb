import { defineConfig } from 'tsup';

/** The functions: one bundle each, `dist/<name>/index.mjs` exporting `handler` (the CDK construct's assets). */
export const LAMBDA_HANDLERS = ['webhook', 'scale-up', 'reconcile', 'termination-watcher', 'binaries-syncer'] as const;

// Everything is bundled, the AWS SDK included (pinned by this package, not the runtime's copy), ESM `.mjs`,
// tree-shaken and minified, one self-contained file per function (no shared chunks: each function loads only its
// own code). `module` before `main` picks the packages' ESM builds, which tree-shake; the banner gives CommonJS
// dependencies the `require` they expect inside an ES module.
export const config = defineConfig({
  entry: Object.fromEntries(LAMBDA_HANDLERS.map((name) => [`${name}/index`, `src/${name}/index.ts`])),
  format: ['esm'],
  outExtension: () => ({ js: '.mjs' }),
  platform: 'node',
  target: 'node20',
  bundle: true,
  noExternal: [/.*/],
  splitting: false,
  treeshake: true,
  minify: true,
  sourcemap: false,
  dts: false,
  clean: true,
  banner: { js: "import { createRequire as __ghrCreateRequire } from 'node:module'; const require = __ghrCreateRequire(import.meta.url);" },
  esbuildOptions(options) {
    options.mainFields = ['module', 'main'];
    options.legalComments = 'none';
    // tsup's own chunk imports in @ghr/* packages are side-effect free by their package.json; nothing is lost.
    options.logOverride = { 'ignored-bare-import': 'silent' };
  },
});
export { config as default };
