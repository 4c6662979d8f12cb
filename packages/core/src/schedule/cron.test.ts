import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LocalTime } from './cron.js';
import { parseCron } from './cron.js';

const at = (hour: number, minute: number, weekday: number, day = 15, month = 6): LocalTime => ({ minute, hour, day, month, weekday });

function schedule(expression: string) {
  const parsed = parseCron(expression);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.schedule;
}

function errorOf(expression: string): string {
  const parsed = parseCron(expression);
  if (parsed.ok) throw new Error(`expected ${expression} to be rejected`);
  return parsed.error;
}

describe('parseCron', () => {
  it('matches every minute of a weekday office-hours window and nothing outside it', () => {
    const office = schedule('* 8-17 * * 1-5');
    expect(office.matches(at(8, 0, 1))).toBe(true);
    expect(office.matches(at(17, 59, 5))).toBe(true);
    expect(office.matches(at(7, 59, 1))).toBe(false);
    expect(office.matches(at(18, 0, 1))).toBe(false);
    expect(office.matches(at(12, 0, 6))).toBe(false);
    expect(office.matches(at(12, 0, 0))).toBe(false);
    expect(office.expression).toBe('* 8-17 * * 1-5');
  });

  it('accepts month and weekday names in any case, and ranges of names', () => {
    const s = schedule('0 9 * JAN,mar-May Mon-FRI');
    expect(s.matches(at(9, 0, 1, 10, 1))).toBe(true);
    expect(s.matches(at(9, 0, 3, 10, 4))).toBe(true);
    expect(s.matches(at(9, 0, 3, 10, 2))).toBe(false);
    expect(s.matches(at(9, 0, 6, 10, 4))).toBe(false);
  });

  it('supports steps on a star, a range and a start value', () => {
    const every15 = schedule('*/15 * * * *');
    expect([0, 15, 30, 45].every((m) => every15.matches(at(3, m, 2)))).toBe(true);
    expect(every15.matches(at(3, 10, 2))).toBe(false);
    const oddHours = schedule('0 1-23/2 * * *');
    expect(oddHours.matches(at(3, 0, 2))).toBe(true);
    expect(oddHours.matches(at(4, 0, 2))).toBe(false);
    const from5 = schedule('5/20 * * * *');
    expect([5, 25, 45].every((m) => from5.matches(at(1, m, 2)))).toBe(true);
    expect(from5.matches(at(1, 0, 2))).toBe(false);
  });

  it('treats day of week 7 as Sunday, like 0', () => {
    expect(schedule('* * * * 7').matches(at(1, 1, 0))).toBe(true);
    expect(schedule('* * * * 5-7').matches(at(1, 1, 0))).toBe(true);
    expect(schedule('* * * * 0').matches(at(1, 1, 6))).toBe(false);
  });

  it('matches a day when either day field matches if both are restricted (standard cron OR)', () => {
    const s = schedule('* * 1 * mon');
    expect(s.matches(at(1, 1, 3, 1))).toBe(true); // the 1st, a Wednesday
    expect(s.matches(at(1, 1, 1, 9))).toBe(true); // a Monday, the 9th
    expect(s.matches(at(1, 1, 3, 9))).toBe(false);
  });

  it('requires both day fields when one of them starts with a star', () => {
    const s = schedule('* * */2 * mon');
    expect(s.matches(at(1, 1, 1, 3))).toBe(true);
    expect(s.matches(at(1, 1, 1, 4))).toBe(false);
    expect(s.matches(at(1, 1, 2, 3))).toBe(false);
  });

  it('tolerates surrounding and repeated whitespace', () => {
    expect(schedule('  0  9\t* * *  ').matches(at(9, 0, 4))).toBe(true);
  });

  it.each([
    ['* 8-18 * * 1-5x', 'day-of-week "1-5x": "5x" is not a day of the week 0-7 or sun-sat'],
    ['* 24 * * *', 'hour "24": 24 is out of range 0-23'],
    ['60 * * * *', 'minute "60": 60 is out of range 0-59'],
    ['* * 0 * *', 'day-of-month "0": 0 is out of range 1-31'],
    ['* * * 13 *', 'month "13": 13 is out of range 1-12'],
    ['* * * foo *', 'month "foo": "foo" is not a month 1-12 or jan-dec'],
    ['* 22-6 * * *', 'hour "22-6": range 22-6 goes backwards; write 22-23,0-6'],
    ['* * * * 5-0', 'day-of-week "5-0": range 5-0 goes backwards; write 5-7'],
    ['* * * * fri-mon', 'day-of-week "fri-mon": range fri-mon goes backwards; write 5-7,0-1'],
    ['*/0 * * * *', 'minute "*/0": step "0" must be a whole number of at least 1'],
    ['*/x * * * *', 'minute "*/x": step "x" must be a whole number of at least 1'],
    ['1,,2 * * * *', 'minute "1,,2": a list item is empty'],
    ['* * ? * *', 'day-of-month "?": "?" is not supported; use "*"'],
    ['-1 * * * *', 'minute "-1": a value is missing around "-"'],
    ['* 1- * * *', 'hour "1-": a value is missing around "-"'],
    ['* 8-17 * *', 'expected 5 fields (minute hour day-of-month month day-of-week), got 4'],
    ['0 * 8-17 * * *', 'got 6 (seconds or years are not supported)'],
    ['', 'got 0'],
    ['@daily', 'macros like @daily are not supported'],
  ])('rejects %j with a message that says what is wrong', (expression, message) => {
    const error = errorOf(expression);
    expect(error).toContain(`${JSON.stringify(expression)} is not a cron expression: `);
    expect(error).toContain(message);
  });

  it('returns the same result for the same expression (cached)', () => {
    expect(parseCron('* 8-17 * * 1-5')).toBe(parseCron('* 8-17 * * 1-5'));
  });

  it('keeps working after its cache fills up', () => {
    for (let i = 0; i < 1_100; i++) expect(parseCron(`${i % 60} ${i % 24} * * *`).ok).toBe(true);
    expect(schedule('7 7 * * *').matches(at(7, 7, 3))).toBe(true);
  });

  it('matches a single value exactly where a naive per-field check would (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 6 }),
        fc.record({ minute: fc.integer({ min: 0, max: 59 }), hour: fc.integer({ min: 0, max: 23 }), day: fc.integer({ min: 1, max: 31 }), month: fc.integer({ min: 1, max: 12 }), weekday: fc.integer({ min: 0, max: 6 }) }),
        (minute, hour, month, weekday, time) => {
          const s = schedule(`${minute} ${hour} * ${month} ${weekday}`);
          const expected = time.minute === minute && time.hour === hour && time.month === month && time.weekday === weekday;
          expect(s.matches(time)).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});
