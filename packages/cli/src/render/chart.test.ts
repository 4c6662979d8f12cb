import { describe, expect, it } from 'vitest';
import type { TimelinePoint } from '@ghr/sim';
import { CHART_MAX_POOL_PANELS, niceTicks, renderSvgChart, renderSvgReport, renderTerminalChart } from './chart.js';
import { renderSummary } from './summary.js';

const timeline: TimelinePoint[] = Array.from({ length: 120 }, (_, i) => ({
  at: i * 60,
  queued: i < 10 ? 50 - i * 5 : 0,
  running: Math.min(i, 20),
  runners: Math.min(i * 2, 40),
}));

describe('charts', () => {
  it('draws queued jobs and runners in the terminal within the asked size, with the peak on the axis', () => {
    const text = renderTerminalChart(timeline, { width: 40, height: 8 });
    const rows = text.trimEnd().split('\n');
    expect(rows).toHaveLength(8 + 3);
    expect(rows[0]).toMatch(/^\s+50 │/);
    expect(text).toContain('▪');
    expect(text).toContain('•');
    expect(rows[8]).toContain('─'.repeat(40));
    expect(text).toContain('119m');
  });

  it('draws nothing for an empty timeline', () => {
    expect(renderTerminalChart([])).toBe('');
  });

  it('writes a well-formed SVG with the three series and an escaped title', () => {
    const svg = renderSvgChart(timeline, 'ghr <burst> & co');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(3);
    expect(svg).toContain('ghr &lt;burst&gt; &amp; co');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });
});

describe('round ticks and report charts', () => {
  it('picks round ticks that reach the maximum', () => {
    expect(niceTicks(84)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(3)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(1000)).toEqual([0, 200, 400, 600, 800, 1000]);
    for (const max of [1, 7, 13, 84, 99, 101, 640, 12_345]) {
      const ticks = niceTicks(max);
      const step = (ticks[1] ?? 0) - (ticks[0] ?? 0);
      expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(max);
      expect(String(step)).toMatch(/^[125]0*$/);
    }
  });

  it('draws one panel per pool (the busiest when there are many) and the wait distribution, title above the legend', () => {
    const pools = Array.from({ length: 12 }, (_, i) => ({ id: `repo-${i}`, maxRunners: 20, peakAlive: i, launched: i }));
    const points = timeline.map((p) => ({ ...p, pools: Object.fromEntries(pools.map((q) => [q.id, { queued: 1, running: 1, runners: 2 }])) }));
    const svg = renderSvgReport({ timeline: points, pools, waits: [1, 2, 2, 5, 30] }, 'title');
    expect(svg.match(/>pool repo-/g)).toHaveLength(CHART_MAX_POOL_PANELS);
    expect(svg).toContain('pool repo-11 ');
    expect(svg).toContain('4 more pools not drawn');
    expect(svg).toContain('wait from queued to running (5 jobs)');
    const titleY = Number(/<text x="60" y="(\d+)" font-size="15"/.exec(svg)?.[1]);
    const legendY = Number(/<line x1="60" x2="78" y1="(\d+)"/.exec(svg)?.[1]);
    expect(legendY - titleY).toBeGreaterThanOrEqual(16);
  });

  it('summarises many pools on one short line', () => {
    const pools = Array.from({ length: 100 }, (_, i) => ({ id: `repo-${i}`, maxRunners: 20, peakAlive: i % 7, launched: i % 7 }));
    const report = {
      result: { policy: 'ghr', seed: 1, jobs: { total: 1, served: 1, unserved: 0, cancelled: 0 }, waitSeconds: { p50: 1, p95: 1, p99: 1, max: 1 }, runnerSeconds: { busy: 1, idle: 1, booting: 1 }, runnersLaunched: 1, githubApiCalls: { total: 1, perJob: 1 }, cloudApiCalls: { total: 1, perJob: 1 }, violations: { maxRunnersExceeded: 0, busyRunnerTerminated: 0, orphansLeft: 0, jobsLost: 0 } },
      timeline: [], simulatedSeconds: 60, steps: 1, pools, errors: {}, calls: { github: {}, cloud: {} }, bootSecondsP50: 1, bootSecondsP95: 1, waits: [1], leftovers: { orphans: [], jobsLost: [] },
    } as const;
    const text = renderSummary(report as unknown as Parameters<typeof renderSummary>[0], { trace: 'x', chaos: 'none' });
    const line = text.split('\n').find((l) => l.includes('runners ')) ?? '';
    expect(line.length).toBeLessThan(200);
    expect(line).toContain('100 pools');
    expect(line).toContain('repo-13 peak 6/20');
  });
});
