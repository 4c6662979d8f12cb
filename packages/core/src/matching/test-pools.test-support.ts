// Test helper: a Pool with defaults (not exported from the package); exact match unless told otherwise.
import { poolFixture } from '@ghr/contracts';
import type { Pool } from '../domain.js';

export function testPool(overrides: Partial<Pool> & Pick<Pool, 'id' | 'labels'>): Pool {
  return poolFixture(overrides.id, { match: 'exact', ...overrides });
}
