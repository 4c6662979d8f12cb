// A small 5-field cron parser (minute hour day-of-month month day-of-week) for warm windows. A schedule
// names the minutes during which a window is active; matching works on local wall-clock fields.

/** Wall-clock fields of an instant in some time zone. `weekday` is 0 (Sunday) to 6 (Saturday). */
export interface LocalTime {
  readonly minute: number;
  readonly hour: number;
  /** Day of the month, 1 to 31. */
  readonly day: number;
  /** Month, 1 (January) to 12. */
  readonly month: number;
  readonly weekday: number;
}

/** A parsed cron expression. */
export interface CronSchedule {
  /** The expression as given. */
  readonly expression: string;
  /** True when the minute described by `time` is one the expression names. */
  matches(time: LocalTime): boolean;
}

/** The outcome of {@link parseCron}: a schedule, or a message that says what is wrong and how to fix it. */
export type ParseCronResult =
  | { readonly ok: true; readonly schedule: CronSchedule }
  | { readonly ok: false; readonly error: string };

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** How to describe valid values in an error. */
  readonly valid: string;
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59, valid: 'a minute 0-59' },
  { name: 'hour', min: 0, max: 23, valid: 'an hour 0-23' },
  { name: 'day-of-month', min: 1, max: 31, valid: 'a day of the month 1-31' },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, valid: 'a month 1-12 or jan-dec' },
  { name: 'day-of-week', min: 0, max: 7, names: DAY_NAMES, valid: 'a day of the week 0-7 or sun-sat' },
];

class FieldError extends Error {}

function parseValue(text: string, spec: FieldSpec): number {
  if (text === '') throw new FieldError('a value is missing around "-" (negative numbers are not allowed)');
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (value < spec.min || value > spec.max) {
      throw new FieldError(`${value} is out of range ${spec.min}-${spec.max}`);
    }
    return value;
  }
  const index = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  if (index < 0) throw new FieldError(`"${text}" is not ${spec.valid}`);
  return index + (spec.name === 'month' ? 1 : 0);
}

function parseStep(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) === 0) {
    throw new FieldError(`step "${text}" must be a whole number of at least 1`);
  }
  return Number(text);
}

/** Parses one field into a lookup table indexed by value (0..max). */
function parseField(text: string, spec: FieldSpec): Uint8Array {
  const table = new Uint8Array(spec.max + 1);
  for (const item of text.split(',')) {
    if (item === '') throw new FieldError('a list item is empty (two commas, or a comma at an end)');
    if (item === '?') throw new FieldError('"?" is not supported; use "*"');
    const slash = item.indexOf('/');
    const range = slash < 0 ? item : item.slice(0, slash);
    const step = slash < 0 ? 1 : parseStep(item.slice(slash + 1));
    let from: number;
    let to: number;
    if (range === '*') {
      from = spec.min;
      to = spec.max;
    } else {
      const dash = range.indexOf('-');
      if (dash < 0) {
        from = parseValue(range, spec);
        // `5/15` means from 5 to the end, every 15.
        to = slash < 0 ? from : spec.max;
      } else {
        from = parseValue(range.slice(0, dash), spec);
        to = parseValue(range.slice(dash + 1), spec);
        if (to < from) {
          const wrap = spec.name === 'day-of-week' && to === 0 ? `${from}-7` : `${from}-${spec.max},${spec.min}-${to}`;
          throw new FieldError(`range ${range} goes backwards; write ${wrap}`);
        }
      }
    }
    for (let value = from; value <= to; value += step) table[value] = 1;
  }
  return table;
}

const cache = new Map<string, ParseCronResult>();
const CACHE_LIMIT = 1_000;

/**
 * Parses a 5-field cron expression: `minute hour day-of-month month day-of-week`. Each field takes `*`, a
 * value, a range `a-b`, a step `*\/n`, `a-b/n` or `a/n`, or a comma-separated list of those; months and days
 * of the week also take names (`jan`, `mon-fri`, case-insensitive); day of the week 0 and 7 are Sunday. When
 * both day fields are restricted (neither starts with `*`), a day matches if **either** matches, as in
 * standard cron. Never throws: a bad expression gives `{ ok: false, error }` with a message naming the field,
 * what is wrong and how to write it.
 *
 * @example
 * ```ts
 * const parsed = parseCron('* 8-17 * * mon-fri');
 * if (!parsed.ok) throw new Error(`pools[0].warm[0].schedule: ${parsed.error}`);
 * parsed.schedule.matches({ minute: 30, hour: 9, day: 2, month: 6, weekday: 1 }); // true
 *
 * parseCron('* 8-18 * * 1-5x');
 * // { ok: false, error: '"* 8-18 * * 1-5x" is not a cron expression: day-of-week "1-5x": "5x" is not a day of the week 0-7 or sun-sat' }
 * ```
 */
export function parseCron(expression: string): ParseCronResult {
  const cached = cache.get(expression);
  if (cached) return cached;
  const result = parse(expression);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(expression, result);
  return result;
}

function parse(expression: string): ParseCronResult {
  const fail = (why: string): ParseCronResult => ({
    ok: false,
    error: `${JSON.stringify(expression)} is not a cron expression: ${why}`,
  });
  const parts = expression.trim().split(/\s+/).filter((part) => part !== '');
  if (parts[0]?.startsWith('@')) {
    return fail(`macros like ${parts[0]} are not supported; write the 5 fields, e.g. "* 8-17 * * mon-fri"`);
  }
  if (parts.length !== 5) {
    const hint = parts.length === 6 ? ' (seconds or years are not supported)' : '';
    return fail(
      `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}${hint}; e.g. "* 8-17 * * mon-fri"`,
    );
  }
  const tables: Uint8Array[] = [];
  for (const [index, spec] of FIELDS.entries()) {
    const text = parts[index] as string;
    try {
      tables.push(parseField(text, spec));
    } catch (error) {
      // parseField throws only FieldError.
      return fail(`${spec.name} "${text}": ${(error as FieldError).message}`);
    }
  }
  const [minutes, hours, days, months, weekdays] = tables as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  // Sunday is both 0 and 7.
  if (weekdays[7] === 1) weekdays[0] = 1;
  const dayRestricted = !(parts[2] as string).startsWith('*');
  const weekdayRestricted = !(parts[4] as string).startsWith('*');
  const either = dayRestricted && weekdayRestricted;
  return {
    ok: true,
    schedule: {
      expression,
      matches: (time) => {
        if (minutes[time.minute] !== 1 || hours[time.hour] !== 1 || months[time.month] !== 1) return false;
        const day = days[time.day] === 1;
        const weekday = weekdays[time.weekday] === 1;
        return either ? day || weekday : day && weekday;
      },
    },
  };
}
