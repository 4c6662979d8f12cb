import { describe, expect, it } from 'vitest';
import type { Clock } from '@ghr/core';
import { TokenBucket } from './token-bucket.js';

function fakeClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

describe('TokenBucket', () => {
  it('lets a burst through at once, then paces at the rate', async () => {
    // Arrange
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 5, clock });
    // Act
    await Promise.all(Array.from({ length: 25 }, () => bucket.take()));
    // Assert: 5 free, 20 more at 10/s take 2 s of (virtual) time.
    expect(clock.now()).toBe(2000);
    expect(clock.slept.every((ms) => ms <= 100)).toBe(true);
  });

  it('rejects a waiter whose signal aborts, and keeps serving the others', async () => {
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1 });
    await bucket.take();
    const aborted = bucket.take(AbortSignal.abort());
    await expect(aborted).rejects.toMatchObject({ code: 'aborted' });
  });
});
