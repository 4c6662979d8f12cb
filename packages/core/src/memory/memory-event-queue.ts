// The EventQueue port in memory, with SQS-like at-least-once semantics.
import { systemClock } from '../defaults.js';
import type { JobEvent } from '../domain.js';
import type { Clock, EventQueue, QueueMessage, SendResult } from '../ports.js';
import { throwIfAborted } from './abort.js';

/** Options of a {@link MemoryEventQueue}. */
export interface MemoryEventQueueOptions {
  /** Time source for visibility timeouts. Default `systemClock`. */
  readonly clock?: Pick<Clock, 'now'>;
  /** How long a received message stays hidden before it is delivered again (ms). Default 30 s. */
  readonly visibilityTimeout?: number;
  /**
   * After this many receives without an ack, the next receive moves the message to the dead-letter list
   * instead of delivering it (as an SQS redrive policy's `maxReceiveCount`). Default: never.
   */
  readonly maxReceives?: number;
}

interface Entry {
  readonly id: string;
  readonly event: JobEvent;
  receiveCount: number;
  visibleAt: number;
}

/**
 * An {@link EventQueue} in memory with at-least-once delivery: `receive` hides messages for the visibility
 * timeout, `ack` deletes them, an unacknowledged message comes back with `receiveCount + 1`, and after
 * `maxReceives` receives it goes to the dead-letter list.
 *
 * @example
 * ```ts
 * const queue = new MemoryEventQueue({ clock, visibilityTimeout: 30_000, maxReceives: 5 });
 * await queue.send([event], signal);
 * const [message] = await queue.receive(10, signal);
 * await queue.ack([message.id], signal);
 * ```
 */
export class MemoryEventQueue implements EventQueue {
  readonly #clock: Pick<Clock, 'now'>;
  readonly #visibilityTimeout: number;
  readonly #maxReceives: number | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #deadLetters: JobEvent[] = [];
  #seq = 0;

  constructor(options: MemoryEventQueueOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#visibilityTimeout = options.visibilityTimeout ?? 30_000;
    this.#maxReceives = options.maxReceives;
  }

  async send(events: readonly JobEvent[], signal: AbortSignal): Promise<SendResult> {
    throwIfAborted(signal, 'Queue send');
    const now = this.#clock.now();
    for (const event of events) {
      const id = `m-${++this.#seq}`;
      this.#entries.set(id, { id, event, receiveCount: 0, visibleAt: now });
    }
    return { failed: [] };
  }

  async receive(max: number, signal: AbortSignal): Promise<readonly QueueMessage[]> {
    throwIfAborted(signal, 'Queue receive');
    const now = this.#clock.now();
    const out: QueueMessage[] = [];
    for (const entry of this.#entries.values()) {
      if (out.length >= max) break;
      if (entry.visibleAt > now) continue;
      if (this.#maxReceives !== undefined && entry.receiveCount >= this.#maxReceives) {
        this.#entries.delete(entry.id);
        this.#deadLetters.push(entry.event);
        continue;
      }
      entry.receiveCount += 1;
      entry.visibleAt = now + this.#visibilityTimeout;
      out.push({ id: entry.id, event: entry.event, receiveCount: entry.receiveCount });
    }
    return out;
  }

  async ack(messageIds: readonly string[], signal: AbortSignal): Promise<void> {
    throwIfAborted(signal, 'Queue ack');
    for (const id of messageIds) this.#entries.delete(id);
  }

  /** Events moved to the dead-letter list, oldest first. */
  deadLetters(): readonly JobEvent[] {
    return [...this.#deadLetters];
  }

  /** Messages waiting (visible now) and in flight (received, not acked, still hidden). */
  depth(): { readonly visible: number; readonly inFlight: number; readonly deadLetters: number } {
    const now = this.#clock.now();
    let visible = 0;
    for (const entry of this.#entries.values()) if (entry.visibleAt <= now) visible += 1;
    return { visible, inFlight: this.#entries.size - visible, deadLetters: this.#deadLetters.length };
  }
}
