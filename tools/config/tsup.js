// Shared tsup configuration for every publishable @ghr/* package: ESM only, d.ts, sourcemaps.
import { defineConfig } from 'tsup';

/**
 * @param {import('tsup').Options} [overrides]
 * @returns {import('tsup').Options}
 */
export function ghrTsupConfig(overrides = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
    ...overrides,
  });
}
