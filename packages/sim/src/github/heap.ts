/** A timed model event: due at `at` (epoch ms). */
export interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly kind:
    | 'start-job'
    | 'complete-job'
    | 'queue-timeout'
    | 'remove-offline-runner'
    | 'pickup-timeout'
    | 'lease-expiry'
    | 'remove-idle-jit'
    | 'expire-jit-config'
    | 'send-event';
  readonly id: number;
  /** A stamp the event must still match when due (e.g. the job's `startedAt`); stale timers are skipped. */
  readonly stamp: number;
}

/** A binary min-heap of timers, ordered by time then insertion. */
export class TimerHeap {
  readonly #items: Timer[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): Timer | undefined {
    return this.#items[0];
  }

  push(timer: Timer): void {
    const items = this.#items;
    items.push(timer);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(items[i] as Timer, items[parent] as Timer)) break;
      [items[i], items[parent]] = [items[parent] as Timer, items[i] as Timer];
      i = parent;
    }
  }

  pop(): Timer | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && less(items[l] as Timer, items[m] as Timer)) m = l;
        if (r < items.length && less(items[r] as Timer, items[m] as Timer)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m] as Timer, items[i] as Timer];
        i = m;
      }
    }
    return top;
  }

  clear(): void {
    this.#items.length = 0;
  }
}

function less(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
