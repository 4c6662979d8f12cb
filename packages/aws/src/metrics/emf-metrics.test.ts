import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EmfMetrics } from './emf-metrics.js';

const clock = { now: () => 1_767_600_000_000 };

/** Checks one line against the EMF specification's structure; answers the parsed object. */
function validEmf(line: string): Record<string, unknown> {
  expect(line.endsWith('\n')).toBe(true);
  expect(line.slice(0, -1)).not.toContain('\n');
  const doc = JSON.parse(line) as Record<string, unknown> & {
    _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit?: string }[] }[] };
  };
  expect(Number.isInteger(doc._aws.Timestamp)).toBe(true);
  expect(doc._aws.CloudWatchMetrics.length).toBeGreaterThan(0);
  for (const directive of doc._aws.CloudWatchMetrics) {
    expect(directive.Namespace.length).toBeGreaterThan(0);
    expect(directive.Metrics.length).toBeGreaterThan(0);
    expect(directive.Metrics.length).toBeLessThanOrEqual(100);
    for (const set of directive.Dimensions) {
      expect(set.length).toBeLessThanOrEqual(30);
      for (const key of set) expect(typeof doc[key]).toBe('string'); // every dimension key is a root string member
    }
    for (const m of directive.Metrics) {
      expect(['Count', 'Milliseconds', 'Seconds', 'None']).toContain(m.Unit);
      const v = doc[m.Name];
      const values = Array.isArray(v) ? v : [v];
      expect(values.length).toBeLessThanOrEqual(100);
      for (const x of values) expect(Number.isFinite(x)).toBe(true); // every metric is a root number (or array)
    }
  }
  return doc;
}

describe('EmfMetrics', () => {
  it('writes one EMF line per dimension set on flush, with namespace, units and default dimensions', async () => {
    const lines: string[] = [];
    const metrics = new EmfMetrics({ namespace: 'ghr-test', defaultDimensions: { environment: 'prod' }, write: (l) => lines.push(l), clock });

    metrics.record('RunnersLaunched', 3, 'Count', { pool: 'linux' });
    metrics.record('LaunchLatency', 1200, 'Milliseconds', { pool: 'linux' });
    metrics.record('RunnersLaunched', 2, 'Count', { pool: 'linux' });
    metrics.record('QueueDepth', 7, 'None');
    expect(lines).toEqual([]);
    await metrics.flush();

    expect(lines).toHaveLength(2);
    const pool = validEmf(lines[0]!);
    expect(pool).toEqual({
      _aws: {
        Timestamp: clock.now(),
        CloudWatchMetrics: [
          {
            Namespace: 'ghr-test',
            Dimensions: [['environment', 'pool']],
            Metrics: [
              { Name: 'RunnersLaunched', Unit: 'Count' },
              { Name: 'LaunchLatency', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      environment: 'prod',
      pool: 'linux',
      RunnersLaunched: [3, 2],
      LaunchLatency: 1200,
    });
    expect(validEmf(lines[1]!)).toMatchObject({ environment: 'prod', QueueDepth: 7 });
    await metrics.flush();
    expect(lines).toHaveLength(2); // nothing left to write
  });

  it('writes a line as soon as a dimension set holds 100 metrics', () => {
    const lines: string[] = [];
    const metrics = new EmfMetrics({ write: (l) => lines.push(l), clock });
    for (let i = 0; i < 101; i += 1) metrics.record(`M${i}`, i, 'Count');
    expect(lines).toHaveLength(1);
    const doc = validEmf(lines[0]!) as { _aws: { CloudWatchMetrics: { Metrics: unknown[] }[] } };
    expect(doc._aws.CloudWatchMetrics[0]!.Metrics).toHaveLength(100);
  });

  it('drops records CloudWatch would reject instead of writing a bad line', async () => {
    const lines: string[] = [];
    const metrics = new EmfMetrics({ write: (l) => lines.push(l), clock });
    metrics.record('Bad', Number.NaN, 'Count');
    metrics.record('', 1, 'Count');
    metrics.record('pool', 1, 'Count', { pool: 'linux' });
    metrics.record('Empty', 1, 'Count', { pool: '' });
    await metrics.flush();
    expect(lines).toEqual([]);
  });

  it('always writes valid EMF, whatever is recorded', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            name: fc.constantFrom('A', 'B', 'C', 'pool', ''),
            value: fc.oneof(fc.double(), fc.integer()),
            unit: fc.constantFrom('Count', 'Milliseconds', 'Seconds', 'None' as const),
            pool: fc.option(fc.constantFrom('linux', 'arm', ''), { nil: undefined }),
          }),
          { maxLength: 300 },
        ),
        async (records) => {
          const lines: string[] = [];
          const metrics = new EmfMetrics({ write: (l) => lines.push(l), clock });
          for (const r of records) metrics.record(r.name, r.value, r.unit, r.pool === undefined ? {} : { pool: r.pool });
          await metrics.flush();
          for (const l of lines) validEmf(l);
        },
      ),
      { numRuns: 100 },
    );
  });
});
