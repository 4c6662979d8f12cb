import { describe, expect, it } from 'vitest';
import { GhrError } from '@ghr/core';
import { parseTrace } from './trace.js';
import { GENERATOR_NAMES, generateTrace } from './generators.js';

describe('parseTrace', () => {
  it('accepts a valid trace and sorts its jobs by arrival', () => {
    const trace = parseTrace({
      jobs: [
        { at: 20, repo: 'acme/web', labels: ['self-hosted', 'linux'], duration: 60 },
        { at: 5, repo: 'acme/api', labels: ['self-hosted'], duration: 30, cancelAt: 10 },
      ],
    });
    expect(trace.jobs.map((j) => j.at)).toEqual([5, 20]);
    expect(trace.jobs[0]?.cancelAt).toBe(10);
  });

  it('reports every problem with its path in one invalid-input error', () => {
    let error: unknown;
    try {
      parseTrace({
        jobs: [
          { at: -1, repo: 'web', labels: [], duration: 'long' },
          { at: 10, repo: 'acme/web', labels: ['x'], duration: 5, cancelAt: 3, extra: true },
        ],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GhrError);
    expect((error as GhrError).code).toBe('invalid-input');
    const message = (error as GhrError).message;
    for (const path of ['jobs[0].at', 'jobs[0].repo', 'jobs[0].labels', 'jobs[0].duration', 'jobs[1].cancelAt', 'jobs[1].extra']) {
      expect(message).toContain(path);
    }
  });

  it('rejects a top level without a jobs array and an empty trace', () => {
    expect(() => parseTrace([])).toThrow(/top level/);
    expect(() => parseTrace({ job: [] })).toThrow(/"jobs" must be an array/);
    expect(() => parseTrace({ jobs: [] })).toThrow(/empty/);
  });
});

describe('generateTrace', () => {
  it.each(GENERATOR_NAMES)('%s gives a valid, deterministic trace of the requested size', (name) => {
    const a = generateTrace(name, { seed: 11, size: 120 });
    const b = generateTrace(name, { seed: 11, size: 120 });
    expect(a.jobs).toHaveLength(120);
    expect(a).toEqual(b);
    expect(parseTrace(JSON.parse(JSON.stringify(a)))).toEqual(a);
    expect(generateTrace(name, { seed: 12, size: 120 })).not.toEqual(a);
  });

  it('burst queues its jobs within one minute', () => {
    const { jobs } = generateTrace('burst', { seed: 2, size: 200 });
    const ats = jobs.map((j) => j.at);
    expect(Math.max(...ats) - Math.min(...ats)).toBeLessThanOrEqual(60);
  });

  it('cancellations cancels a fifth of the jobs shortly after they are queued', () => {
    const { jobs } = generateTrace('cancellations', { seed: 2, size: 500 });
    const cancelled = jobs.filter((j) => j.cancelAt !== undefined);
    expect(cancelled).toHaveLength(100);
    expect(cancelled.every((j) => (j.cancelAt as number) - j.at <= 60)).toBe(true);
  });

  it('steady has a lunch dip', () => {
    const { jobs } = generateTrace('steady', { seed: 4, size: 5000 });
    const lunch = jobs.filter((j) => j.at >= 4 * 3600 && j.at < 5 * 3600).length;
    const morning = jobs.filter((j) => j.at >= 2 * 3600 && j.at < 3 * 3600).length;
    expect(lunch).toBeLessThan(morning * 0.6);
  });

  it('rejects an unknown generator name with the list of known ones', () => {
    expect(() => generateTrace('nope', { seed: 1, size: 1 })).toThrow(/steady, burst, cancellations, mixed-labels/);
  });
});
