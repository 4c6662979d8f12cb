// Contract suite of the EventQueue port: at-least-once delivery with visibility timeouts and dead letters.
import type { EventQueue, JobEvent, QueueMessage } from '@ghr/core';
import { afterEach, describe, expect, it } from 'vitest';
import { jobEvent } from './fixtures.js';

/** What the suite asks of a queue it creates. */
export interface EventQueueContractQueueOptions {
  /** How long a received message stays hidden (ms). At least the suite's `minVisibilityTimeout`. */
  readonly visibilityTimeout: number;
  /** Receives after which a message goes to the dead-letter queue, when the test needs one. */
  readonly maxReceives?: number;
}

/** What a queue factory returns. */
export interface EventQueueContractSubject {
  /** A fresh, empty queue configured as asked. */
  readonly queue: EventQueue;
  /**
   * Lets `ms` of queue time pass. Memory queues on a `ManualClock` advance it; real queues leave this out and
   * the suite sleeps in real time.
   */
  elapse?(ms: number): Promise<void> | void;
  /** The events in the queue's dead-letter queue; leave out if the implementation has none (tests skip). */
  deadLetters?(): Promise<readonly JobEvent[]>;
  cleanup?(): Promise<void>;
}

/** Tuning of the queue contract suite. */
export interface EventQueueContractOptions {
  /**
   * The shortest visibility timeout the implementation supports (ms); the suite uses exactly this. SQS counts
   * in whole seconds: pass 1000. Default 100.
   */
  readonly minVisibilityTimeout?: number;
  /** Most messages one `receive` may be asked for (SQS: 10). Default 10. */
  readonly maxReceiveBatch?: number;
  /** Receive calls the suite makes while collecting messages before it gives up. Default 20. */
  readonly receiveAttempts?: number;
  /** Per-test timeout (ms). Default 30 s. */
  readonly timeout?: number;
}

const signal = () => AbortSignal.timeout(60_000);
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Registers a vitest `describe` block that checks an {@link EventQueue} implementation: send/receive/ack round
 * trip, batches larger than one receive, hiding for the visibility timeout, redelivery with a growing
 * `receiveCount`, and dead-lettering after `maxReceives`. `make` is called once per test with the options the
 * test needs, and must return an empty queue. `receive` must not long-poll longer than the visibility timeout.
 *
 * @example
 * ```ts
 * describeEventQueueContract('MemoryEventQueue', async ({ visibilityTimeout, maxReceives }) => {
 *   const clock = new ManualClock();
 *   const queue = new MemoryEventQueue({ clock, visibilityTimeout, maxReceives });
 *   return { queue, elapse: (ms) => clock.advance(ms), deadLetters: async () => queue.deadLetters() };
 * });
 * ```
 */
export function describeEventQueueContract(
  name: string,
  make: (options: EventQueueContractQueueOptions) => Promise<EventQueueContractSubject>,
  options: EventQueueContractOptions = {},
): void {
  const visibilityTimeout = options.minVisibilityTimeout ?? 100;
  const batch = options.maxReceiveBatch ?? 10;
  const attempts = options.receiveAttempts ?? 20;
  const pastVisibility = visibilityTimeout + Math.max(50, Math.ceil(visibilityTimeout / 4));

  describe(`EventQueue contract: ${name}`, { timeout: options.timeout ?? 30_000 }, () => {
    let subject: EventQueueContractSubject | undefined;
    afterEach(async () => {
      await subject?.cleanup?.();
      subject = undefined;
    });
    const open = async (extra: Partial<EventQueueContractQueueOptions> = {}) => {
      subject = await make({ visibilityTimeout, ...extra });
      return subject;
    };
    const elapse = async (s: EventQueueContractSubject, ms: number) => {
      if (s.elapse) await s.elapse(ms);
      else await realSleep(ms);
    };
    /** Receives until `count` messages arrived or the attempts ran out. */
    const collect = async (queue: EventQueue, count: number): Promise<QueueMessage[]> => {
      const out: QueueMessage[] = [];
      for (let i = 0; i < attempts && out.length < count; i += 1) {
        out.push(...(await queue.receive(Math.min(batch, count - out.length), signal())));
      }
      return out;
    };

    it('delivers a sent event, and nothing more once it is acknowledged', async () => {
      const s = await open();
      const { queue } = s;
      const event = jobEvent(1, { poolId: null, installationId: undefined });
      expect((await queue.send([event], signal())).failed).toEqual([]);

      const [message, ...rest] = await collect(queue, 1);
      expect(rest).toEqual([]);
      expect(message?.event).toEqual(event);
      expect(message?.receiveCount).toBe(1);
      expect(typeof message?.id).toBe('string');

      await queue.ack([message!.id], signal());
      await elapse(s, pastVisibility);
      expect(await queue.receive(batch, signal())).toEqual([]);
    });

    it('answers an empty list when the queue is empty', async () => {
      const { queue } = await open();
      expect(await queue.receive(batch, signal())).toEqual([]);
    });

    it('sends a batch of 25 events in one call and delivers each once across receives', async () => {
      const { queue } = await open();
      const events = Array.from({ length: 25 }, (_, i) => jobEvent(i + 1));
      expect((await queue.send(events, signal())).failed).toEqual([]);

      const messages = await collect(queue, 25);
      expect(messages).toHaveLength(25);
      expect(messages.map((m) => m.event.job.id).sort((a, b) => a - b)).toEqual(events.map((e) => e.job.id));
      expect(new Set(messages.map((m) => m.id)).size).toBe(25);
      expect(messages.every((m) => m.receiveCount === 1)).toBe(true);
      await queue.ack(messages.map((m) => m.id), signal());
      expect(await queue.receive(batch, signal())).toEqual([]);
    });

    it('returns at most the number of messages asked for', async () => {
      const { queue } = await open();
      await queue.send(Array.from({ length: 5 }, (_, i) => jobEvent(i + 1)), signal());
      expect((await queue.receive(2, signal())).length).toBeLessThanOrEqual(2);
    });

    it('hides a received message until its visibility timeout passes, then delivers it again with receiveCount + 1', async () => {
      const s = await open();
      await s.queue.send([jobEvent(7)], signal());
      const [first] = await collect(s.queue, 1);
      expect(first?.receiveCount).toBe(1);
      expect(await s.queue.receive(batch, signal())).toEqual([]);

      await elapse(s, pastVisibility);
      const [second] = await collect(s.queue, 1);
      expect(second?.event.job.id).toBe(7);
      expect(second?.receiveCount).toBe(2);

      await s.queue.ack([second!.id], signal());
      await elapse(s, pastVisibility);
      expect(await s.queue.receive(batch, signal())).toEqual([]);
    });

    it('acknowledges only the messages named: the others come back', async () => {
      const s = await open();
      await s.queue.send([jobEvent(1), jobEvent(2), jobEvent(3)], signal());
      const messages = await collect(s.queue, 3);
      const keep = messages.filter((m) => m.event.job.id !== 2);
      await s.queue.ack(keep.map((m) => m.id), signal());

      await elapse(s, pastVisibility);
      const again = await collect(s.queue, 1);
      expect(again.map((m) => m.event.job.id)).toEqual([2]);
      expect(again[0]?.receiveCount).toBe(2);
    });

    it('moves a message that was received maxReceives times without an ack to the dead letters', async (ctx) => {
      const s = await open({ maxReceives: 2 });
      if (!s.deadLetters) {
        ctx.skip(); // the implementation declares no dead-letter queue
        return;
      }
      await s.queue.send([jobEvent(9), jobEvent(10)], signal());
      const first = await collect(s.queue, 2);
      await s.queue.ack(first.filter((m) => m.event.job.id === 10).map((m) => m.id), signal());
      await elapse(s, pastVisibility);
      const second = await collect(s.queue, 1);
      expect(second.map((m) => [m.event.job.id, m.receiveCount])).toEqual([[9, 2]]);
      await elapse(s, pastVisibility);

      expect(await collect(s.queue, 1)).toEqual([]);
      const dead = await s.deadLetters();
      expect(dead.map((e) => e.job.id)).toEqual([9]);
    });
  });
}
