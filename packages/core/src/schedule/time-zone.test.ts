import { describe, expect, it } from 'vitest';
import { GhrError } from '../errors.js';
import { isValidTimeZone, localTime } from './time-zone.js';

describe('isValidTimeZone', () => {
  it('accepts IANA names and UTC, and rejects made-up names', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    // cached answers stay the same
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
  });
});

describe('localTime', () => {
  it('gives the wall-clock fields in the zone', () => {
    // 2026-07-01 is a Wednesday; Berlin is UTC+2 in summer
    expect(localTime(Date.UTC(2026, 6, 1, 12, 0), 'Europe/Berlin')).toEqual({ minute: 0, hour: 14, day: 1, month: 7, weekday: 3 });
    expect(localTime(Date.UTC(2026, 6, 1, 12, 0), 'UTC')).toEqual({ minute: 0, hour: 12, day: 1, month: 7, weekday: 3 });
  });

  it('crosses the date line: a Monday morning in Tokyo is Sunday evening in UTC', () => {
    // 2026-03-01 is a Sunday
    expect(localTime(Date.UTC(2026, 2, 1, 23, 30), 'Asia/Tokyo')).toEqual({ minute: 30, hour: 8, day: 2, month: 3, weekday: 1 });
  });

  it('follows daylight saving time changes (Europe/Berlin, 29 March 2026)', () => {
    // 01:59 UTC+1 is 00:59 UTC; one minute later clocks jump from 02:00 to 03:00 (UTC+2)
    expect(localTime(Date.UTC(2026, 2, 29, 0, 59), 'Europe/Berlin')).toMatchObject({ hour: 1, minute: 59 });
    expect(localTime(Date.UTC(2026, 2, 29, 1, 0), 'Europe/Berlin')).toMatchObject({ hour: 3, minute: 0 });
    // and back on 25 October 2026: 02:30 happens twice
    expect(localTime(Date.UTC(2026, 9, 25, 0, 30), 'Europe/Berlin')).toMatchObject({ hour: 2, minute: 30 });
    expect(localTime(Date.UTC(2026, 9, 25, 1, 30), 'Europe/Berlin')).toMatchObject({ hour: 2, minute: 30 });
  });

  it('handles half-hour offsets (Asia/Kolkata, UTC+5:30)', () => {
    expect(localTime(Date.UTC(2026, 0, 5, 2, 45), 'Asia/Kolkata')).toMatchObject({ hour: 8, minute: 15 });
  });

  it('gives the same answer for every instant within one minute', () => {
    const base = Date.UTC(2026, 4, 4, 10, 20);
    expect(localTime(base + 59_999, 'America/New_York')).toEqual(localTime(base, 'America/New_York'));
  });

  it('throws an invalid-input GhrError naming the unknown zone', () => {
    expect(() => localTime(0, 'Mars/Olympus_Mons')).toThrowError(GhrError);
    expect(() => localTime(0, 'Mars/Olympus_Mons')).toThrowError(/Unknown time zone "Mars\/Olympus_Mons"/);
  });

  it('keeps answering after its cache fills up', () => {
    for (let i = 0; i < 10_050; i++) localTime(i * 60_000, 'UTC');
    expect(localTime(0, 'UTC')).toEqual({ minute: 0, hour: 0, day: 1, month: 1, weekday: 4 });
  });
});
