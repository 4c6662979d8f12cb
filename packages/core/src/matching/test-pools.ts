// Test helper: a Pool with defaults (not exported from the package).
import type { Pool } from '../domain.js';

export function testPool(overrides: Partial<Pool> & Pick<Pool, 'id' | 'labels'>): Pool {
  return {
    match: 'exact',
    priority: 0,
    scope: { kind: 'org', org: 'acme' },
    ephemeral: true,
    maxRunners: 10,
    warm: [],
    idleTimeout: 300_000,
    minimumLifetime: 0,
    bootTimeout: 600_000,
    maxRuntime: 86_400_000,
    drainOrder: 'oldest-first',
    instance: {},
    ...overrides,
  };
}
