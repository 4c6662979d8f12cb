import { describe, expect, it } from 'vitest';
import { RequestLimiter, RetryScheduler } from './limiter.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('RequestLimiter', () => {
  it('runs at most maxConcurrent jobs at once, in order, and passes results through', async () => {
    // Arrange
    const limiter = new RequestLimiter(2, 0);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const job = async (n: number) => {
      running++;
      peak = Math.max(peak, running);
      await tick();
      order.push(n);
      running--;
      return n * 10;
    };

    // Act
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => limiter.key().schedule({}, job, n)));

    // Assert
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(peak).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });

  it('lets weight-0 jobs (retries) past the cap', async () => {
    const limiter = new RequestLimiter(1, 0);
    let release: () => void = () => undefined;
    const blocker = limiter.schedule({}, () => new Promise<void>((resolve) => (release = resolve)));
    await expect(limiter.schedule({ weight: 0 }, () => 'retry')).resolves.toBe('retry');
    release();
    await blocker;
  });

  it('spaces starts by minTime', async () => {
    const limiter = new RequestLimiter(1, 60);
    const starts: number[] = [];
    await Promise.all([1, 2, 3].map(() => limiter.schedule({}, () => starts.push(Date.now()))));
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(55);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(55);
  });

  it('frees the slot when a job throws', async () => {
    const limiter = new RequestLimiter(1, 0);
    await expect(limiter.schedule({}, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limiter.schedule({}, () => 'next')).resolves.toBe('next');
  });
});

describe('RetryScheduler', () => {
  it('retries after the delay a failed listener answers, with the retry count', async () => {
    const scheduler = new RetryScheduler();
    const counts: number[] = [];
    scheduler.on('failed', (_error, info) => {
      counts.push(info.retryCount);
      return info.retryCount < 2 ? 10 : undefined;
    });
    let calls = 0;
    await expect(scheduler.schedule(() => (++calls < 3 ? Promise.reject(new Error('limited')) : 'ok'))).resolves.toBe('ok');
    expect(counts).toEqual([0, 1]);
    await expect(scheduler.schedule(() => Promise.reject(new Error('always')))).rejects.toThrow('always');
  });

  it("stops waiting when the request's signal aborts", async () => {
    const scheduler = new RetryScheduler();
    scheduler.on('failed', () => 10_000);
    const controller = new AbortController();
    const started = Date.now();
    const run = scheduler.schedule(() => Promise.reject(new Error('limited')), {}, {}, { request: { signal: controller.signal } });
    setTimeout(() => controller.abort(), 20);
    await expect(run).rejects.toThrow('limited');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
