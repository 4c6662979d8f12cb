import { describe, expect, it } from 'vitest';
import { InstallationTokenCache } from './token-cache.js';

describe('InstallationTokenCache', () => {
  it("keeps a token until the refresh margin before GitHub's expires_at", () => {
    // Arrange
    let now = Date.parse('2026-01-01T00:00:00Z');
    const cache = new InstallationTokenCache(() => now, 5 * 60_000);
    const value = 'ghs_x|2026-01-01T00:00:00Z|2026-01-01T01:00:00Z|all|actions!,administration!|';

    // Act + Assert
    cache.set('42', value);
    now += 54 * 60_000;
    expect(cache.get('42')).toBe(value);
    now += 60_000;
    expect(cache.get('42')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('honours a short expiry (auth-app alone would keep it 59 minutes)', () => {
    let now = 0;
    const cache = new InstallationTokenCache(() => now, 60_000);
    cache.set('1', `t|${new Date(0).toISOString()}|${new Date(2 * 60_000).toISOString()}|all||`);
    now = 61_000;
    expect(cache.get('1')).toBeUndefined();
  });

  it('forgets one installation on demand and bounds its size', () => {
    const cache = new InstallationTokenCache(() => 0, 0, 2);
    const v = `t|x|${new Date(3_600_000).toISOString()}|all||`;
    cache.set('1', v);
    cache.set('2', v);
    cache.set('3', v);
    expect(cache.size).toBe(2);
    expect(cache.get('1')).toBeUndefined();
    cache.delete('2');
    expect(cache.get('2')).toBeUndefined();
    expect(cache.get('3')).toBe(v);
  });
});
