import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { RateLimiter, secondaryPoints } from './rate-limits.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const JIT = '/orgs/:org/actions/runners/generate-jitconfig';

describe('RateLimiter', () => {
  it('counts the primary budget per principal and refuses with 403 once it is spent, until the hour resets', () => {
    // Arrange
    const clock = createManualClock(T0);
    const limits = new RateLimiter(clock, { primaryPerHour: 3 });
    // Act
    const answers = [1, 2, 3, 4].map(() => limits.charge('installation:1', 'GET', '/x'));
    const other = limits.charge('installation:2', 'GET', '/x');
    // Assert
    expect(answers.map((a) => a.allowed)).toEqual([true, true, true, false]);
    expect(answers[2]?.headers).toMatchObject({
      'x-ratelimit-limit': '3',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': '3',
      'x-ratelimit-reset': String((T0 + 3_600_000) / 1000),
      'x-ratelimit-resource': 'core',
    });
    expect(answers[3]).toMatchObject({ allowed: false, kind: 'primary', status: 403 });
    expect(other.allowed).toBe(true);
    clock.advance(3_600_000);
    expect(limits.charge('installation:1', 'GET', '/x').allowed).toBe(true);
    expect(limits.refused.primary).toBe(1);
  });

  it('charges 5 points per write and 1 per read against 900 points per minute per endpoint, with retry-after', () => {
    const clock = createManualClock(T0);
    const limits = new RateLimiter(clock, { primaryPerHour: 100_000 });
    expect(secondaryPoints('POST')).toBe(5);
    expect(secondaryPoints('get')).toBe(1);
    let allowed = 0;
    for (let i = 0; i < 200; i += 1) if (limits.charge('installation:1', 'POST', JIT).allowed) allowed += 1;
    expect(allowed).toBe(180);
    clock.advance(20_000);
    const refused = limits.charge('installation:1', 'POST', JIT);
    expect(refused).toMatchObject({ allowed: false, kind: 'secondary', status: 403, retryAfterSeconds: 40 });
    expect(refused.headers['retry-after']).toBe('40');
    expect(limits.charge('installation:1', 'GET', '/orgs/:org/actions/runners').allowed).toBe(true);
    clock.advance(40_000);
    expect(limits.charge('installation:1', 'POST', JIT).allowed).toBe(true);
  });

  it('refuses requests beyond the concurrency limit with 429 when so configured', () => {
    const limits = new RateLimiter(createManualClock(T0), { maxConcurrent: 2, secondaryStatus: 429, concurrencyRetryAfterSeconds: 5 });
    expect(limits.enter('app').allowed).toBe(true);
    expect(limits.enter('app').allowed).toBe(true);
    expect(limits.enter('app')).toMatchObject({ allowed: false, status: 429, retryAfterSeconds: 5 });
    limits.leave('app');
    expect(limits.enter('app').allowed).toBe(true);
    expect(limits.inFlight('app')).toBe(2);
  });

  it('gives anonymous callers 60 requests an hour', () => {
    const limits = new RateLimiter(createManualClock(T0));
    expect(limits.status('anonymous').limit).toBe(60);
    expect(limits.status('app').limit).toBe(5_000);
  });

  it('answers a spent primary budget with 429 when so configured, keeping the x-ratelimit headers', () => {
    const limits = new RateLimiter(createManualClock(T0), { primaryPerHour: 1, primaryStatus: 429 });
    limits.charge('installation:1', 'GET', '/x');
    const refused = limits.charge('installation:1', 'GET', '/x');
    expect(refused).toMatchObject({ allowed: false, kind: 'primary', status: 429 });
    expect(refused.headers).toMatchObject({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String((T0 + 3_600_000) / 1000) });
    expect(refused.headers['retry-after']).toBeUndefined();
  });

  it('answers secondary limits with 403 or 429 and sometimes without retry-after, as GitHub does', () => {
    // Arrange
    const limits = new RateLimiter(createManualClock(T0), { pointsPerMinute: 5, secondaryStatus: 'either', retryAfterAbsentRate: 0.5, seed: 3 });
    limits.charge('installation:1', 'POST', JIT);
    // Act
    const refusals = Array.from({ length: 40 }, () => limits.charge('installation:1', 'POST', JIT));
    // Assert
    const statuses = new Set(refusals.map((r) => (r.allowed ? 200 : r.status)));
    const withoutRetryAfter = refusals.filter((r) => !r.allowed && r.headers['retry-after'] === undefined && r.retryAfterSeconds === undefined);
    expect(statuses).toEqual(new Set([403, 429]));
    expect(withoutRetryAfter.length).toBeGreaterThan(5);
    expect(withoutRetryAfter.length).toBeLessThan(35);
  });

  it('limits content-creating writes per minute and per hour, never reads', () => {
    // Arrange
    const clock = createManualClock(T0);
    const limits = new RateLimiter(clock, { contentCreationPerMinute: 3, contentCreationPerHour: 5 });
    // Act
    const minute = [1, 2, 3, 4].map(() => limits.charge('installation:1', 'POST', JIT).allowed);
    const reads = limits.charge('installation:1', 'GET', '/orgs/:org/actions/runners').allowed;
    clock.advance(60_000);
    const hour = [1, 2, 3].map(() => limits.charge('installation:1', 'POST', JIT).allowed);
    // Assert
    expect(minute).toEqual([true, true, true, false]);
    expect(reads).toBe(true);
    expect(hour).toEqual([true, true, false]);
    const refused = limits.charge('installation:1', 'PUT', '/y');
    expect(refused).toMatchObject({ allowed: false, kind: 'secondary', message: expect.stringMatching(/content creation/) });
    expect(limits.refused.content).toBe(3);
  });

  it('counts only the listed endpoints as content creation when given, in either template style', () => {
    const limits = new RateLimiter(createManualClock(T0), {
      contentCreationPerMinute: 1,
      contentCreationEndpoints: ['/repos/:owner/:repo/actions/jobs/:job_id/rerun'],
    });
    const rerun = '/repos/{owner}/{repo}/actions/jobs/{job_id}/rerun';
    expect([1, 2].map(() => limits.charge('installation:1', 'POST', JIT).allowed)).toEqual([true, true]);
    expect([1, 2].map(() => limits.charge('installation:1', 'POST', rerun).allowed)).toEqual([true, false]);
  });

  it('admits requests through the concurrency limit and releases their share once', () => {
    const limits = new RateLimiter(createManualClock(T0), { maxConcurrent: 1 });
    const first = limits.admit('installation:1', 'GET', '/x');
    const second = limits.admit('installation:1', 'GET', '/x');
    expect(first.decision.allowed).toBe(true);
    expect(second.decision).toMatchObject({ allowed: false, kind: 'secondary', retryAfterSeconds: 60 });
    first.release();
    first.release();
    second.release();
    expect(limits.inFlight('installation:1')).toBe(0);
    expect(limits.admit('installation:1', 'GET', '/x').decision.allowed).toBe(true);
  });
});
