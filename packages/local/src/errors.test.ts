import { describe, expect, it } from 'vitest';
import { LocalError, toLocalError } from './errors.js';

const sqliteError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('toLocalError', () => {
  it.each([
    ['SQLITE_BUSY', 'unavailable', true],
    ['SQLITE_BUSY_SNAPSHOT', 'unavailable', true],
    ['SQLITE_IOERR_WRITE', 'unavailable', true],
    ['SQLITE_FULL', 'unavailable', true],
    ['SQLITE_READONLY_DBMOVED', 'invalid-config', false],
    ['SQLITE_CORRUPT', 'internal', false],
    ['EACCES', 'invalid-config', false],
    ['ENOSPC', 'unavailable', true],
    ['SQLITE_SOMETHING_NEW', 'internal', false],
  ] as const)('classifies %s as %s (retryable %s)', (code, expected, retryable) => {
    const error = toLocalError(sqliteError(code, 'database says no'), 'SQLite putJob 1');
    expect(error).toBeInstanceOf(LocalError);
    expect(error).toMatchObject({ name: 'LocalError', code: expected, retryable, systemCode: code });
    expect(error.message).toMatch(/^SQLite putJob 1 failed \(.+: database says no\): .+\.$/);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('passes a LocalError through and classifies a non-error as internal', () => {
    const original = new LocalError('x', { code: 'aborted' });
    expect(toLocalError(original, 'ctx')).toBe(original);
    expect(toLocalError('boom', 'ctx')).toMatchObject({ code: 'internal', systemCode: undefined });
  });
});
