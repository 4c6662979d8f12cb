// Warm capacity: how many idle runners a pool keeps at an instant, from its cron + time zone windows.
import type { Pool, WarmWindow } from '../domain.js';
import { GhrError } from '../errors.js';
import { parseCron } from '../schedule/cron.js';
import { localTime } from '../schedule/time-zone.js';

/**
 * True when the warm window is active at `now`: the local minute of `now` in the window's time zone is one its
 * cron expression names. A window is active for its whole span (`* 8-17 * * 1-5` = 08:00 to 17:59 on weekdays).
 *
 * @throws GhrError `invalid-config` when the schedule or time zone is invalid (config validation catches both).
 * @example
 * ```ts
 * isWarmWindowActive({ schedule: '* 8-17 * * mon-fri', timeZone: 'Europe/Berlin', size: 2 }, Date.now());
 * ```
 */
export function isWarmWindowActive(window: WarmWindow, now: number): boolean {
  const parsed = parseCron(window.schedule);
  if (!parsed.ok) throw new GhrError(`Warm window: ${parsed.error}. Validate the config before planning.`, { code: 'invalid-config' });
  let time;
  try {
    time = localTime(now, window.timeZone);
  } catch (error) {
    throw new GhrError(`Warm window ${JSON.stringify(window.schedule)}: ${(error as Error).message}`, {
      code: 'invalid-config',
      cause: error,
    });
  }
  return parsed.schedule.matches(time);
}

/**
 * The pool's warm target at `now`: the largest `size` among its active warm windows, capped at `maxRunners`;
 * 0 when none is active.
 *
 * @throws GhrError `invalid-config` when a window's schedule or time zone is invalid.
 * @example
 * ```ts
 * // 3 idle runners on weekdays 08:00-17:59 in Berlin, 1 at any other time
 * const pool = { ...basePool, maxRunners: 10, warm: [
 *   { schedule: '* * * * *', timeZone: 'UTC', size: 1 },
 *   { schedule: '* 8-17 * * mon-fri', timeZone: 'Europe/Berlin', size: 3 },
 * ] };
 * warmTarget(pool, Date.parse('2026-06-02T09:30:00+02:00')); // 3
 * ```
 */
export function warmTarget(pool: Pick<Pool, 'warm' | 'maxRunners'>, now: number): number {
  let target = 0;
  for (const window of pool.warm) {
    if (isWarmWindowActive(window, now) && window.size > target) target = window.size;
  }
  return Math.max(0, Math.min(target, pool.maxRunners));
}
