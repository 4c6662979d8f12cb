// Wall-clock fields of an instant in an IANA time zone, through Intl (DST-correct), cached per zone and minute.
import { GhrError } from '../errors.js';
import type { LocalTime } from './cron.js';

const formatters = new Map<string, Intl.DateTimeFormat>();
const validity = new Map<string, boolean>();
const times = new Map<string, LocalTime>();
const TIMES_LIMIT = 10_000;
const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const MINUTE = 60_000;

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * True when `timeZone` is a time zone this runtime knows (an IANA name such as `Europe/Berlin`, or `UTC`).
 *
 * @example
 * ```ts
 * isValidTimeZone('America/New_York'); // true
 * isValidTimeZone('Mars/Olympus_Mons'); // false
 * ```
 */
export function isValidTimeZone(timeZone: string): boolean {
  let valid = validity.get(timeZone);
  if (valid === undefined) {
    try {
      formatterFor(timeZone);
      valid = true;
    } catch {
      valid = false;
    }
    validity.set(timeZone, valid);
  }
  return valid;
}

/**
 * The wall-clock minute, hour, day, month and weekday of the instant `epochMs` in `timeZone`, DST-correct.
 * Results are cached per zone and minute, so calling it for every plan costs a map lookup.
 *
 * @throws GhrError `invalid-input` when the time zone is unknown (check with {@link isValidTimeZone}).
 * @example
 * ```ts
 * localTime(Date.UTC(2026, 6, 1, 12, 0), 'Europe/Berlin');
 * // { minute: 0, hour: 14, day: 1, month: 7, weekday: 3 }
 * ```
 */
export function localTime(epochMs: number, timeZone: string): LocalTime {
  const minute = Math.floor(epochMs / MINUTE);
  const key = `${timeZone}\u0000${minute}`;
  let time = times.get(key);
  if (!time) {
    if (!isValidTimeZone(timeZone)) {
      throw new GhrError(`Unknown time zone ${JSON.stringify(timeZone)}: use an IANA name such as "Europe/Berlin" or "UTC".`, {
        code: 'invalid-input',
      });
    }
    const fields: Record<string, string> = {};
    for (const part of formatterFor(timeZone).formatToParts(minute * MINUTE)) fields[part.type] = part.value;
    time = {
      minute: Number(fields.minute),
      hour: Number(fields.hour) % 24,
      day: Number(fields.day),
      month: Number(fields.month),
      weekday: WEEKDAYS[fields.weekday as string] as number,
    };
    if (times.size >= TIMES_LIMIT) times.clear();
    times.set(key, time);
  }
  return time;
}
