/** What the GitHub model needs of a clock: the current time in epoch milliseconds. `Clock` of `@ghr/core` fits. */
export interface SimClock {
  now(): number;
}

/** A clock that only moves when told to: for virtual time and for tests. */
export interface ManualClock extends SimClock {
  /** Sets the time (never backwards). */
  set(ms: number): void;
  /** Moves the time forward by `ms`. */
  advance(ms: number): void;
}

/**
 * Creates a clock that starts at `start` (epoch ms) and moves only when `advance` or `set` is called.
 *
 * @example
 * ```ts
 * const clock = createManualClock(Date.UTC(2026, 0, 5, 9));
 * const model = new GitHubModel({ clock });
 * clock.advance(60_000);
 * model.tick();
 * ```
 */
export function createManualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let now = start;
  return {
    now: () => now,
    set: (ms) => {
      now = Math.max(now, ms);
    },
    advance: (ms) => {
      now += Math.max(0, ms);
    },
  };
}
