import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Random } from './random.js';

describe('Random', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = new Random(7);
    const b = new Random(7);
    const c = new Random(8);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
  });

  it('draws floats in [0, 1) and integers in [0, n)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 1000 }), (seed, n) => {
        const rng = new Random(seed);
        for (let i = 0; i < 20; i++) {
          const x = rng.next();
          const k = rng.int(n);
          if (x < 0 || x >= 1 || k < 0 || k >= n || !Number.isInteger(k)) return false;
        }
        return true;
      }),
      { numRuns: 100 },
    );
  });

  it('has a lognormal median close to the one asked for', () => {
    const rng = new Random(1);
    const values = Array.from({ length: 4001 }, () => rng.lognormal(60, 0.25)).sort((x, y) => x - y);
    expect(values[2000]).toBeGreaterThan(57);
    expect(values[2000]).toBeLessThan(63);
  });

  it('forks independent streams deterministically', () => {
    const a = new Random(3).fork('cloud');
    const b = new Random(3).fork('cloud');
    const c = new Random(3).fork('chaos');
    expect(a.next()).toBe(b.next());
    expect(new Random(3).fork('cloud').next()).not.toBe(c.next());
  });
});
