import { poolFixture } from '@ghr/contracts';
import { describe, expect, it } from 'vitest';
import type { JobEvent, JobStatus } from '../domain.js';
import { createEngine } from '../engine/engine.js';
import { FakeGitHub } from '../engine/fake-github.test-support.js';
import { ManualClock } from '../memory/manual-clock.js';
import { MemoryEventQueue } from '../memory/memory-event-queue.js';
import { MemoryLedger } from '../memory/memory-ledger.js';
import { MemoryRunnerProvider } from '../memory/memory-runner-provider.js';
import type { EventQueue, LogFields } from '../ports.js';
import { scaleUp } from './scale-up.js';
import { interruption, sweep } from './sweep.js';
import { createWebhookHandler } from './webhook.js';
import { readWebhook } from './webhook-request.js';
import type { WebhookRequest } from './webhook-request.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const sig = () => AbortSignal.timeout(30_000);

/** A `workflow_job` delivery shaped as GitHub sends it. */
function delivery(id: number, action: JobStatus, labels: readonly string[] = ['self-hosted', 'linux'], extra: Record<string, unknown> = {}): WebhookRequest {
  return {
    headers: { 'x-github-event': 'workflow_job', 'x-github-delivery': `guid-${id}-${action}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      action,
      workflow_job: { id, run_id: 500 + id, run_attempt: 1, labels, name: `build ${id}`, created_at: new Date(T0).toISOString(), ...extra },
      repository: { name: 'web', owner: { login: 'acme' } },
      installation: { id: 42 },
    }),
  };
}

function world(queue: EventQueue = new MemoryEventQueue()) {
  const clock = new ManualClock({ start: T0, autoAdvance: true });
  const ledger = new MemoryLedger({ clock });
  const provider = new MemoryRunnerProvider({ clock });
  const github = new FakeGitHub();
  const pools = [poolFixture('linux', { maxRunners: 5, labels: ['self-hosted', 'linux'] })];
  const logs: { level: string; message: string; fields?: LogFields }[] = [];
  const at = (level: string) => (message: string, fields?: LogFields) => void logs.push({ level, message, fields });
  const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  const engine = createEngine({ ledger, github, provider, clock, pools, logger });
  // Deliveries that never left the process: read without a signature (the adapter's verifyAndParse adds it).
  const handle = createWebhookHandler({ verify: (request, receivedAt) => readWebhook(request, { receivedAt }), pools, queue, clock, logger });
  return { clock, ledger, provider, github, pools, engine, handle, queue, logs };
}

describe('run layer', () => {
  it('turns a queued delivery into a launched runner: webhook → queue → scale-up', async () => {
    // Arrange
    const w = world();
    // Act
    const response = await w.handle(delivery(1, 'queued'), sig());
    const messages = await w.queue.receive(10, sig());
    const result = await scaleUp(w.engine, messages, sig());
    await w.queue.ack(result.acknowledge, sig());
    // Assert
    expect(response).toMatchObject({ status: 202, outcome: 'accepted', poolId: 'linux', jobId: 1 });
    expect(JSON.parse(response.body)).toMatchObject({ outcome: 'accepted', poolId: 'linux' });
    expect(messages.map((m) => m.event.poolId)).toEqual(['linux']);
    expect(result.acknowledge).toEqual([messages[0]?.id]);
    expect(result.retry).toEqual([]);
    expect(result.reconcile?.launched).toHaveLength(1);
    expect(w.provider.instances()).toHaveLength(1);
  });

  it('answers a repeated delivery id as a duplicate without enqueueing it twice', async () => {
    const w = world();
    await w.handle(delivery(1, 'queued'), sig());
    const again = await w.handle(delivery(1, 'queued'), sig());
    expect(again).toMatchObject({ status: 200, outcome: 'duplicate' });
    expect(await w.queue.receive(10, sig())).toHaveLength(1);
  });

  it('answers jobs no pool serves with 200 and the reason, and enqueues nothing', async () => {
    const w = world();
    const response = await w.handle(delivery(1, 'queued', ['self-hosted', 'windows']), sig());
    expect(response.status).toBe(200);
    expect(response.outcome).toBe('unmatched');
    expect(response.reason).toMatch(/windows|label/i);
    expect(await w.queue.receive(10, sig())).toHaveLength(0);
  });

  it('answers pings, other events and other actions with 200, bad input with 4xx, never 5xx', async () => {
    const w = world();
    const ping = await w.handle({ headers: { 'x-github-event': 'ping', 'x-github-delivery': 'p-1' }, body: '{}' }, sig());
    const push = await w.handle({ headers: { 'x-github-event': 'push', 'x-github-delivery': 'p-2' }, body: '{}' }, sig());
    const other = await w.handle({ ...delivery(3, 'queued'), body: JSON.stringify({ action: 'something', workflow_job: {} }) }, sig());
    const malformed = await w.handle({ ...delivery(4, 'queued'), body: '{not json' }, sig());
    const missing = await w.handle({ headers: {}, body: '{}' }, sig());
    const large = await w.handle({ ...delivery(5, 'queued'), body: 'x'.repeat(2 * 1024 * 1024) }, sig());
    expect([ping, push, other].map((r) => [r.status, r.outcome])).toEqual([
      [200, 'ping'],
      [200, 'ignored'],
      [200, 'ignored'],
    ]);
    expect([malformed.status, missing.status, large.status]).toEqual([400, 400, 413]);
    expect(await w.queue.receive(10, sig())).toHaveLength(0);
  });

  it('answers 503 when the queue refuses the event, and accepts the redelivery once it recovers', async () => {
    // Arrange: a queue that fails once, then works.
    const inner = new MemoryEventQueue();
    let failures = 1;
    const flaky: EventQueue = {
      send: async (events, signal) => {
        if (failures-- > 0) throw new Error('queue unreachable');
        return inner.send(events, signal);
      },
      receive: (max, signal) => inner.receive(max, signal),
      ack: (ids, signal) => inner.ack(ids, signal),
    };
    const w = world(flaky);
    // Act
    const first = await w.handle(delivery(1, 'queued'), sig());
    const redelivered = await w.handle(delivery(1, 'queued'), sig());
    // Assert: the failed delivery is not remembered as accepted, so its redelivery goes through.
    expect(first).toMatchObject({ status: 503, outcome: 'unavailable' });
    expect(w.logs.some((l) => l.level === 'error' && l.fields?.['outcome'] === 'unavailable')).toBe(true);
    expect(redelivered).toMatchObject({ status: 202, outcome: 'accepted' });
  });

  it('matches an event that reaches ingest without a pool instead of recording it silently', async () => {
    // Arrange: wired straight from a reader to the engine, no handler in between (no poolId).
    const w = world();
    const verdict = readWebhook(delivery(1, 'queued'), { receivedAt: T0 });
    if (verdict.kind !== 'job') throw new Error('expected a job');
    expect(verdict.event.poolId).toBeUndefined();
    // Act
    const result = await scaleUp(w.engine, [{ id: 'm-1', event: verdict.event }], sig());
    // Assert
    expect((await w.ledger.getJob(1, sig()))?.poolId).toBe('linux');
    expect(result.reconcile?.launched).toHaveLength(1);
  });

  it('says loudly when an unmatched event matches no pool', async () => {
    const w = world();
    const verdict = readWebhook(delivery(2, 'queued', ['gpu']), { receivedAt: T0 });
    if (verdict.kind !== 'job') throw new Error('expected a job');
    await scaleUp(w.engine, [{ id: 'm-2', event: verdict.event }], sig());
    expect((await w.ledger.getJob(2, sig()))?.poolId).toBeNull();
    expect(w.logs.some((l) => l.level === 'warn' && /matches no pool/.test(l.message))).toBe(true);
    expect(w.provider.instances()).toHaveLength(0);
  });

  it('retries only the messages that were not ingested', async () => {
    const w = world();
    const events: JobEvent[] = [];
    for (const id of [1, 2]) {
      const v = readWebhook(delivery(id, 'queued'), { receivedAt: T0 });
      if (v.kind === 'job') events.push(v.event);
    }
    const controller = new AbortController();
    controller.abort();
    const result = await scaleUp(w.engine, events.map((event, i) => ({ id: `m-${i}`, event })), controller.signal);
    expect(result.acknowledge).toEqual([]);
    expect([...result.retry].sort()).toEqual(['m-0', 'm-1']);
  });

  it('retries the queued events of a batch whose reconcile failed', async () => {
    const w = world();
    const failing = { ...w.engine, ingest: w.engine.ingest.bind(w.engine), reconcile: async () => Promise.reject(new Error('ledger down')) };
    const queued = readWebhook(delivery(1, 'queued'), { receivedAt: T0 });
    const done = readWebhook(delivery(9, 'completed'), { receivedAt: T0 });
    if (queued.kind !== 'job' || done.kind !== 'job') throw new Error('expected jobs');
    const result = await scaleUp(failing, [{ id: 'q', event: queued.event }, { id: 'c', event: done.event }], sig());
    expect(result.retry).toEqual(['q']);
    expect(result.acknowledge).toEqual(['c']);
    expect(result.reconcileError).toBe('ledger down');
  });

  it('sweeps and then runs the housekeeping, reporting its failure instead of throwing', async () => {
    const w = world();
    let ran = 0;
    const ok = await sweep(w.engine, sig(), { housekeeping: async () => void ran++ });
    const failed = await sweep(w.engine, sig(), { housekeeping: async () => Promise.reject(new Error('ssm throttled')) });
    expect(ran).toBe(1);
    expect(ok.reconcile.aborted).toBe(false);
    expect(failed.housekeepingError).toBe('ssm throttled');
  });

  it('takes an interrupted idle runner down', async () => {
    const w = world();
    await w.handle(delivery(1, 'queued'), sig());
    await scaleUp(w.engine, await w.queue.receive(10, sig()), sig());
    const [instance] = w.provider.instances();
    if (!instance) throw new Error('expected an instance');
    const result = await interruption(w.engine, [instance.providerId], sig());
    expect(result.runners).toHaveLength(1);
  });
});
