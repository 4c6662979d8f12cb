import { poolFixture } from '@ghr/contracts';
import { describe, expect, it } from 'vitest';
import type { LaunchRequest, Pool } from '@ghr/core';
import { SimulatedCloud } from './cloud.js';
import type { CloudInstance } from './cloud.js';
import { Random } from './random.js';
import { Scheduler } from './scheduler.js';

const pool: Pool = poolFixture('small', { labels: ['self-hosted', 'linux'], instance: { instanceTypes: ['m7i.large'] } });

const request = (name: string): LaunchRequest => ({
  name,
  poolId: 'small',
  labels: pool.labels,
  ephemeral: true,
  bootstrap: { kind: 'jit', encodedJitConfig: `jit-${name}` },
});

const signal = new AbortController().signal;

describe('SimulatedCloud', () => {
  it('boots launched instances after a lognormal delay and lists them', async () => {
    // Arrange
    const scheduler = new Scheduler(0);
    const booted: CloudInstance[] = [];
    const cloud = new SimulatedCloud({ scheduler, random: new Random(1), hooks: { onBooted: (i) => booted.push(i) } });
    let result: Awaited<ReturnType<SimulatedCloud['launch']>> | undefined;
    // Act
    scheduler.spawn('launch', async () => {
      result = await cloud.launch(pool, [request('ghr-a'), request('ghr-b')], signal);
    });
    await scheduler.runUntil(5_000);
    const pending = await listNow(scheduler, cloud);
    await scheduler.runUntil(600_000);
    // Assert
    expect(result?.launched).toHaveLength(2);
    expect(pending.every((i) => i.state === 'pending')).toBe(true);
    expect(booted.map((i) => i.name).sort()).toEqual(['ghr-a', 'ghr-b']);
    for (const i of booted) expect((i.bootedAt as number) - i.launchedAt).toBeGreaterThan(10_000);
    expect(cloud.calls.launch).toBe(1);
  });

  it('fails launches for capacity at the configured rate, as a result and not an exception', async () => {
    const scheduler = new Scheduler(0);
    const cloud = new SimulatedCloud({ scheduler, random: new Random(2), capacityErrorRate: 1 });
    let failed = 0;
    scheduler.spawn('launch', async () => {
      failed = (await cloud.launch(pool, [request('ghr-a')], signal)).failed.length;
    });
    await scheduler.runUntil(10_000);
    expect(failed).toBe(1);
    expect([...cloud.aliveInstances()]).toHaveLength(0);
  });

  it('warns two minutes before a spot interruption ends the instance', async () => {
    const scheduler = new Scheduler(0);
    const warned: number[] = [];
    const ended: string[] = [];
    const cloud = new SimulatedCloud({
      scheduler,
      random: new Random(3),
      spotInterruptionsPerHour: 60,
      hooks: { onInterruptionWarning: () => warned.push(scheduler.now()), onTerminating: (_i, cause) => ended.push(cause) },
    });
    scheduler.spawn('launch', () => cloud.launch(pool, [request('ghr-a')], signal));
    await scheduler.runUntil(10 * 3_600_000);
    const instance = [...cloud.instances()][0] as CloudInstance;
    expect(warned).toHaveLength(1);
    expect(ended).toEqual(['spot']);
    expect(instance.terminatedAt! - instance.interruptedAt!).toBe(120_000);
  });

  it('terminates by API, counts calls and throttles bursts of calls', async () => {
    const scheduler = new Scheduler(0);
    const cloud = new SimulatedCloud({ scheduler, random: new Random(4), callsPerSecond: 1 });
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) {
      scheduler.spawn('list', async () => {
        try {
          await cloud.list({}, signal);
          outcomes.push('ok');
        } catch (error) {
          outcomes.push((error as { code: string }).code);
        }
      });
    }
    await scheduler.runUntil(10_000);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'throttled')).toHaveLength(3);
    expect(cloud.calls.list).toBe(5);
  });
});

async function listNow(scheduler: Scheduler, cloud: SimulatedCloud) {
  let out: Awaited<ReturnType<SimulatedCloud['list']>> = [];
  scheduler.spawn('list', async () => {
    out = await cloud.list({}, signal);
  });
  await scheduler.runUntil(scheduler.now() + 5_000);
  return out;
}
