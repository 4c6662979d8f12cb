import { describe, expect, it } from 'vitest';
import { Scheduler } from './scheduler.js';

describe('Scheduler', () => {
  it('runs events in time order, then in scheduling order for equal times', async () => {
    // Arrange
    const scheduler = new Scheduler(0);
    const log: string[] = [];
    scheduler.at(2_000, () => log.push('b'));
    scheduler.at(1_000, () => log.push('a'));
    scheduler.at(2_000, () => log.push('c'));
    // Act
    await scheduler.runUntil(10_000);
    // Assert
    expect(log).toEqual(['a', 'b', 'c']);
    expect(scheduler.now()).toBe(10_000);
  });

  it('advances virtual time through nested sleeps of many concurrent tasks', async () => {
    // Arrange
    const scheduler = new Scheduler(0);
    const log: [string, number][] = [];
    const task = async (name: string, steps: number[]) => {
      for (const ms of steps) {
        await Promise.resolve();
        await scheduler.sleep(ms);
        log.push([name, scheduler.now()]);
      }
    };
    scheduler.spawn('a', () => task('a', [100, 100, 100]));
    scheduler.spawn('b', () => task('b', [150, 150]));
    // Act
    await scheduler.runUntil(1_000);
    // Assert
    expect(log).toEqual([
      ['a', 100],
      ['b', 150],
      ['a', 200],
      ['b', 300],
      ['a', 300],
    ]);
    expect(scheduler.inFlight).toBe(0);
  });

  it('rejects a sleep whose signal aborts and records errors of spawned tasks', async () => {
    // Arrange
    const scheduler = new Scheduler(0);
    const controller = new AbortController();
    scheduler.spawn('sleeper', () => scheduler.sleep(5_000, controller.signal));
    scheduler.after(1_000, () => controller.abort());
    // Act
    await scheduler.runUntil(10_000);
    // Assert
    expect(scheduler.errors).toHaveLength(1);
    expect(scheduler.errors[0]?.label).toBe('sleeper');
    expect((scheduler.errors[0]?.error as { code?: string }).code).toBe('aborted');
  });

  it('stops early when the stop condition holds', async () => {
    // Arrange
    const scheduler = new Scheduler(0);
    let count = 0;
    for (let i = 1; i <= 10; i++) scheduler.at(i * 1_000, () => count++);
    // Act
    await scheduler.runUntil(60_000, () => count >= 3);
    // Assert
    expect(count).toBe(3);
    expect(scheduler.now()).toBe(3_000);
  });
});
