// Config-time checks of a warm window's cron expression. Syntax comes from the schedule module's `parseCron`
// (the one cron implementation, also used by the policy); this file adds the plausibility checks that are about
// warm windows: a schedule that names a single minute per hour, and one that is never active.
import { parseCron } from '../schedule/cron.js';
import type { CronSchedule } from '../schedule/cron.js';

/** The shape hint used in cron messages. */
export const CRON_HINT = '5 fields: minute hour day-of-month month day-of-week';

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True when the schedule names at least one minute of some calendar day (leap years included). */
function everActive(schedule: CronSchedule, weekdayMatters: boolean): boolean {
  const weekdays = weekdayMatters ? 7 : 1;
  for (let month = 1; month <= 12; month++) {
    const days = DAYS_IN_MONTH[month - 1] ?? 31;
    for (let day = 1; day <= days; day++) {
      for (let weekday = 0; weekday < weekdays; weekday++) {
        for (let hour = 0; hour < 24; hour++) {
          for (let minute = 0; minute < 60; minute++) {
            if (schedule.matches({ minute, hour, day, month, weekday })) return true;
          }
        }
      }
    }
  }
  return false;
}

/**
 * Checks a warm window's cron expression. Returns `undefined` when it is usable, else a message that starts
 * with the quoted expression and says how to fix it.
 */
export function checkWarmSchedule(expression: string): string | undefined {
  const parsed = parseCron(expression);
  if (!parsed.ok) {
    // The schedule module's message names the field; add the shape hint when it does not already give it.
    return parsed.error.includes('minute hour') ? parsed.error : parsed.error.replace(/^(".*?" is not a cron expression)/, `$1 (${CRON_HINT})`);
  }
  const fields = expression.trim().split(/\s+/);
  const quoted = JSON.stringify(expression);
  if (/^\d+$/.test(fields[0] ?? '')) {
    const hourly = ['*', ...fields.slice(1)].join(' ');
    return (
      `${quoted} keeps runners warm for one minute per hour only: a warm schedule names every minute the window ` +
      `is active (it is not a start time), so write "${hourly}" to cover whole hours`
    );
  }
  if (!everActive(parsed.schedule, !(fields[4] ?? '*').startsWith('*'))) {
    return `${quoted} is never active: no calendar day has the day of the month and month it names`;
  }
  return undefined;
}
