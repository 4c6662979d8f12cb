import { jobEvent, jobRecord, poolFixture, runnerRecord } from '@ghr/contracts';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './manual-clock.js';
import { MemoryEventQueue } from './memory-event-queue.js';
import { MemoryLedger } from './memory-ledger.js';
import { MemoryRunnerProvider } from './memory-runner-provider.js';

const sig = () => AbortSignal.timeout(10_000);
const HOUR = 3_600_000;

describe('ManualClock', () => {
  it('wakes sleepers in wake-time order as time advances, and runs their continuations in between', async () => {
    const clock = new ManualClock({ start: 0 });
    const woke: string[] = [];
    void clock.sleep(300).then(() => woke.push(`c@${clock.now()}`));
    void clock.sleep(100).then(async () => {
      woke.push(`a@${clock.now()}`);
      await clock.sleep(50);
      woke.push(`a2@${clock.now()}`);
    });
    void clock.sleep(200).then(() => woke.push(`b@${clock.now()}`));
    expect(clock.pendingSleeps).toBe(3);
    expect(clock.nextWakeAt()).toBe(100);

    await clock.advance(250);
    expect(woke).toEqual(['a@100', 'a2@150', 'b@200']);
    expect(clock.now()).toBe(250);
    await clock.advance(100);
    expect(woke).toEqual(['a@100', 'a2@150', 'b@200', 'c@300']);
    expect(clock.pendingSleeps).toBe(0);
  });

  it('moves time synchronously when no sleeper is due, and never backward', () => {
    const clock = new ManualClock({ start: 1_000 });
    void clock.advance(500);
    expect(clock.now()).toBe(1_500);
    void clock.advanceTo(10);
    expect(clock.now()).toBe(1_500);
  });

  it('rejects a sleep when its signal aborts, and one whose signal already fired', async () => {
    const clock = new ManualClock({ start: 0 });
    const controller = new AbortController();
    const slept = clock.sleep(1_000, controller.signal);
    controller.abort();
    await expect(slept).rejects.toMatchObject({ name: 'GhrError', code: 'aborted' });
    expect(clock.pendingSleeps).toBe(0);
    await expect(clock.sleep(1, controller.signal)).rejects.toMatchObject({ code: 'aborted' });
  });

  it('lets sleeps pass at once in autoAdvance mode', async () => {
    const clock = new ManualClock({ start: 0, autoAdvance: true });
    await clock.sleep(5_000);
    expect(clock.now()).toBe(5_000);
  });
});

describe('MemoryLedger', () => {
  it('expires finished records after the retention, and keeps open ones', async () => {
    const clock = new ManualClock({ start: 0 });
    const ledger = new MemoryLedger({ clock, retention: HOUR, deliveryRetention: 2 * HOUR });
    await ledger.putJob(jobRecord(1), sig());
    await ledger.putJob(jobRecord(2, { status: 'completed' }), sig());
    const [runner] = await ledger.admit('linux', [runnerRecord('ghr-linux-a'), runnerRecord('ghr-linux-b')], 5, sig());
    await ledger.putRunner({ ...runner!, state: 'terminated', version: 2 }, sig());
    await ledger.claim('d-1', 0, sig());

    await clock.advance(HOUR + 1);
    expect(await ledger.getJob(2, sig())).toBeUndefined();
    expect(await ledger.getRunner('ghr-linux-a', sig())).toBeUndefined();
    expect(await ledger.getJob(1, sig())).toBeDefined();
    expect(await ledger.getRunner('ghr-linux-b', sig())).toBeDefined();
    expect(await ledger.claim('d-1', clock.now(), sig())).toBe('taken');

    await clock.advance(2 * HOUR);
    expect(await ledger.claim('d-1', clock.now(), sig())).toBe('claimed');
    expect(ledger.size).toEqual({ jobs: 1, runners: 1, deliveries: 1 });
  });

  it('does not expire a record that came back to life before its retention ended', async () => {
    const clock = new ManualClock({ start: 0 });
    const ledger = new MemoryLedger({ clock, retention: HOUR });
    await ledger.putJob(jobRecord(1, { status: 'completed' }), sig());
    await ledger.putJob(jobRecord(1, { status: 'queued', version: 2 }), sig());
    await clock.advance(2 * HOUR);
    expect(await ledger.getJob(1, sig())).toMatchObject({ status: 'queued' });
  });

  it('skips a runner whose name is taken when admitting, and counts alive runners synchronously', async () => {
    const ledger = new MemoryLedger({ clock: new ManualClock() });
    await ledger.admit('linux', [runnerRecord('ghr-linux-a')], 5, sig());
    const again = await ledger.admit('linux', [runnerRecord('ghr-linux-a'), runnerRecord('ghr-linux-b')], 5, sig());
    expect(again.map((r) => r.name)).toEqual(['ghr-linux-b']);
    expect(ledger.alivePool('linux')).toBe(2);
  });

  it('refuses work once the signal aborted', async () => {
    const ledger = new MemoryLedger();
    const controller = new AbortController();
    controller.abort();
    await expect(ledger.getJob(1, controller.signal)).rejects.toMatchObject({ code: 'aborted' });
  });
});

describe('MemoryEventQueue', () => {
  it('reports visible, in-flight and dead-lettered messages', async () => {
    const clock = new ManualClock({ start: 0 });
    const queue = new MemoryEventQueue({ clock, visibilityTimeout: 1_000, maxReceives: 1 });
    await queue.send([jobEvent(1), jobEvent(2)], sig());
    expect(queue.depth()).toEqual({ visible: 2, inFlight: 0, deadLetters: 0 });
    await queue.receive(1, sig());
    expect(queue.depth()).toEqual({ visible: 1, inFlight: 1, deadLetters: 0 });
    await clock.advance(1_000);
    await queue.receive(10, sig());
    expect(queue.depth()).toEqual({ visible: 0, inFlight: 1, deadLetters: 1 });
    expect(queue.deadLetters().map((e) => e.job.id)).toEqual([1]);
  });
});

describe('MemoryRunnerProvider', () => {
  it('marks interruptions, loses killed machines, and counts calls', async () => {
    const clock = new ManualClock({ start: 0 });
    const provider = new MemoryRunnerProvider({ clock, idPrefix: 'm-', launchState: 'pending' });
    const pool = poolFixture('linux');
    const { launched } = await provider.launch(pool, [
      { name: 'ghr-linux-a', poolId: 'linux', labels: [], ephemeral: true, bootstrap: { kind: 'jit', encodedJitConfig: 's' } },
    ], sig());
    const id = launched[0]!.providerId;
    expect(id).toMatch(/^m-/);
    await clock.advance(10);
    expect(provider.interrupt(id)).toBe(true);
    expect(provider.interrupt('m-nobody')).toBe(false);
    expect(await provider.list({ names: ['ghr-linux-a'] }, sig())).toEqual([
      { providerId: id, name: 'ghr-linux-a', poolId: 'linux', state: 'pending', launchedAt: 0, interruptedAt: 10 },
    ]);
    expect(provider.bootstrapOf(id)).toEqual({ kind: 'jit', encodedJitConfig: 's' });
    expect(provider.kill(id)).toBe(true);
    expect(provider.instances()).toEqual([]);
    expect(provider.calls).toEqual({ launch: 1, list: 1, terminate: 0 });
  });
});
