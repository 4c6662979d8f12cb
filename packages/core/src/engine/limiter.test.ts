import { describe, expect, it } from 'vitest';
import { CallCounter, instrument } from './instrument.js';
import { Limiter, forEachLimited } from './limiter.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('Limiter', () => {
  it('runs at most `limit` tasks at once, the others in FIFO order', async () => {
    const limiter = new Limiter(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const release: (() => void)[] = [];
    const tasks = [0, 1, 2, 3].map((i) =>
      limiter.run(async () => {
        active += 1;
        peak = Math.max(peak, active);
        order.push(i);
        await new Promise<void>((resolve) => release.push(resolve));
        active -= 1;
      }),
    );
    await tick();
    expect(order).toEqual([0, 1]);
    release.shift()!();
    await tick();
    expect(order).toEqual([0, 1, 2]);
    while (release.length > 0) {
      release.shift()!();
      await tick();
    }
    await Promise.all(tasks);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('refuses a limit below 1', () => {
    expect(() => new Limiter(0)).toThrow(RangeError);
  });
});

describe('forEachLimited', () => {
  it('settles every item and starts none after the signal aborted', async () => {
    const controller = new AbortController();
    const results = await forEachLimited([1, 2, 3, 4], 1, controller.signal, async (n) => {
      if (n === 2) controller.abort();
      if (n === 1) throw new Error('one');
      return n * 10;
    });
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'skipped', 'skipped']);
    expect(results[1]).toEqual({ status: 'fulfilled', value: 20 });
  });
});

describe('instrument', () => {
  it('counts calls and failures per target.method, and sees methods replaced later', async () => {
    const counter = new CallCounter();
    const port = { async ok() { return 1; }, async bad(): Promise<number> { throw new Error('x'); } };
    const wrapped = instrument(port, 'github', counter, new Limiter(1));
    await wrapped.ok();
    await expect(wrapped.bad()).rejects.toThrow('x');
    port.ok = async () => 2;
    expect(await wrapped.ok()).toBe(2);
    expect(Object.fromEntries(counter.calls)).toEqual({ 'github.ok': 2, 'github.bad': 1 });
    expect(Object.fromEntries(counter.errors)).toEqual({ 'github.bad': 1 });
    expect(Object.fromEntries(counter.byTarget())).toEqual({ github: 3 });
  });
});
