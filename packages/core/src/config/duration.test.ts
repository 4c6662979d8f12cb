import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['1d2h3m4s', 93_784_000],
    ['0s', 0],
    [90, 90_000],
    [0, 0],
    [1.5, 1_500],
  ])('reads %j as %d ms', (input, ms) => {
    expect(parseDuration(input)).toEqual({ ok: true, ms });
  });

  it.each(['5 min', '1.5h', '30m1h', '', 'h', '5M', '-5s', '10ms'])('rejects %j with a hint', (input) => {
    const result = parseDuration(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain('write 90s, 5m, 1h, 1h30m');
  });

  it('rejects negative and non-finite numbers and other types', () => {
    expect(parseDuration(-1).ok).toBe(false);
    expect(parseDuration(Number.POSITIVE_INFINITY).ok).toBe(false);
    expect(parseDuration(true)).toEqual({ ok: false, message: expect.stringContaining('expected a duration') });
  });

  it('round-trips every whole-second duration through formatDuration', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 * 86_400 }), (seconds) => {
        const ms = seconds * 1000;
        expect(parseDuration(formatDuration(ms))).toEqual({ ok: true, ms });
      }),
      { numRuns: 300 },
    );
  });
});

describe('formatDuration', () => {
  it('writes the largest units first and omits zero parts', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(86_400_000 + 1_000)).toBe('1d1s');
    expect(formatDuration(0)).toBe('0s');
  });
});
