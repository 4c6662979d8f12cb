// Durations in config: `90s`, `5m`, `1h`, `1h30m`, `2d`, or a number of seconds. Stored as milliseconds.

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;
const DURATION_RE = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** The JSON Schema `pattern` of a duration string (same grammar as {@link parseDuration}). */
export const DURATION_PATTERN = '^(?=\\d)(?:\\d+d)?(?:\\d+h)?(?:\\d+m)?(?:\\d+s)?$';

/** What a duration field accepts, for messages and docs. */
export const DURATION_HINT = 'write 90s, 5m, 1h, 1h30m, 2d or a number of seconds';

/** The outcome of {@link parseDuration}: milliseconds, or why the value is not a duration. */
export type DurationResult = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly message: string };

/**
 * Parses a config duration: a string of `d`/`h`/`m`/`s` parts in that order (`90s`, `5m`, `1h30m`, `2d`), or a
 * non-negative number of **seconds**. Returns milliseconds, or a message that says what to write instead.
 *
 * @example
 * ```ts
 * parseDuration('1h30m'); // { ok: true, ms: 5_400_000 }
 * parseDuration(90); // { ok: true, ms: 90_000 }
 * parseDuration('5 min'); // { ok: false, message: '"5 min" is not a duration: write 90s, 5m, ...' }
 * ```
 */
export function parseDuration(value: unknown): DurationResult {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      return { ok: false, message: `${String(value)} is not a duration: ${DURATION_HINT}` };
    }
    return { ok: true, ms: Math.round(value * 1000) };
  }
  if (typeof value !== 'string') {
    return { ok: false, message: `expected a duration (${DURATION_HINT})` };
  }
  const text = value.trim();
  const match = DURATION_RE.exec(text);
  if (text === '' || match === null) {
    return { ok: false, message: `${JSON.stringify(value)} is not a duration: ${DURATION_HINT}` };
  }
  const [, d, h, m, s] = match;
  const ms =
    Number(d ?? 0) * UNIT_MS.d + Number(h ?? 0) * UNIT_MS.h + Number(m ?? 0) * UNIT_MS.m + Number(s ?? 0) * UNIT_MS.s;
  return { ok: true, ms };
}

/**
 * Formats milliseconds the way config writes durations (`1h30m`, `90s` → `1m30s`, `0s`); sub-second parts are
 * rounded to the nearest second.
 *
 * @example
 * ```ts
 * formatDuration(5_400_000); // '1h30m'
 * ```
 */
export function formatDuration(ms: number): string {
  let rest = Math.round(ms / 1000);
  if (rest <= 0) return '0s';
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}
