// Loads a ghr config file with core's config parser (its errors name every problem).
import { parseConfig } from '@ghr/core/config';
import type { GhrConfig, Pool } from '@ghr/core';
import { readText } from './files.js';

/**
 * Reads and validates a ghr config file (YAML or JSON). Throws core's `ConfigError` listing every problem, or an
 * `Error` naming a missing file.
 *
 * @example
 * ```ts
 * const config = await loadConfigFile('examples/ghr.config.yaml');
 * ```
 */
export async function loadConfigFile(path: string): Promise<GhrConfig> {
  const text = await readText(path, 'a ghr config (YAML or JSON)');
  return parseConfig(text, { source: path, ...(path.endsWith('.json') ? { format: 'json' as const } : {}) });
}

/**
 * Reads and validates a ghr config file and returns its pools.
 *
 * @example
 * ```ts
 * const pools = await loadPools('examples/ghr.config.yaml');
 * ```
 */
export async function loadPools(path: string): Promise<readonly Pool[]> {
  return (await loadConfigFile(path)).pools;
}
