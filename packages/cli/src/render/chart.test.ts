import { describe, expect, it } from 'vitest';
import type { TimelinePoint } from '@ghr/sim';
import { renderSvgChart, renderTerminalChart } from './chart.js';

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
