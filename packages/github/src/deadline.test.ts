import { describe, expect, it } from 'vitest';
import { deadlineOf, deadlineSignal, fitsDeadline, raceAbort } from './deadline.js';

describe('deadlineSignal', () => {
  it('carries its deadline and the tighter one of a parent', () => {
    const outer = deadlineSignal(1_000, { now: 10_000 });
    expect(deadlineOf(outer)).toBe(11_000);
    expect(deadlineOf(deadlineSignal(5_000, { now: 10_000, signal: outer }))).toBe(11_000);
    expect(deadlineOf(deadlineSignal(500, { now: 10_000, signal: outer }))).toBe(10_500);
    expect(deadlineOf(new AbortController().signal)).toBeUndefined();
  });

  it('aborts with a TimeoutError when the time is up', async () => {
    const signal = deadlineSignal(5);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).name).toBe('TimeoutError');
  });
});

describe('fitsDeadline', () => {
  it('allows a wait only when it ends before the deadline and under the cap', () => {
    const signal = deadlineSignal(10_000, { now: 0 });
    expect(fitsDeadline(signal, 0, 9_000, 60_000)).toBe(true);
    expect(fitsDeadline(signal, 0, 11_000, 60_000)).toBe(false);
    expect(fitsDeadline(signal, 0, 9_000, 5_000)).toBe(false);
    expect(fitsDeadline(undefined, 0, 50_000, 60_000)).toBe(true);
  });
});

describe('raceAbort', () => {
  it('rejects as soon as the signal aborts, however long the promise takes', async () => {
    const controller = new AbortController();
    const slow = new Promise((resolve) => setTimeout(resolve, 5_000));
    const raced = raceAbort(slow, controller.signal);
    controller.abort(new Error('stop'));
    await expect(raced).rejects.toThrow('stop');
  });

  it('passes results and errors through', async () => {
    const signal = new AbortController().signal;
    await expect(raceAbort(Promise.resolve(1), signal)).resolves.toBe(1);
    await expect(raceAbort(Promise.reject(new Error('no')), signal)).rejects.toThrow('no');
  });
});
