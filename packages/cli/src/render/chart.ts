// Charts of queued jobs and runners over time: in the terminal (text) and as an SVG file.
import type { TimelinePoint } from '@ghr/sim';

/** Options of the charts. */
export interface ChartOptions {
  /** Columns (terminal) of the plot area. Default 64. */
  readonly width?: number;
  /** Rows (terminal) of the plot area. Default 12. */
  readonly height?: number;
}

/**
 * Downsamples the timeline to `columns` buckets, keeping the maximum of each series in a bucket (peaks matter).
 */
function buckets(timeline: readonly TimelinePoint[], columns: number): { queued: number; runners: number; at: number }[] {
  if (timeline.length === 0) return [];
  const out: { queued: number; runners: number; at: number }[] = [];
  const per = timeline.length / Math.min(columns, timeline.length);
  for (let c = 0; c * per < timeline.length; c++) {
    const slice = timeline.slice(Math.floor(c * per), Math.max(Math.floor((c + 1) * per), Math.floor(c * per) + 1));
    out.push({
      at: slice[0]?.at ?? 0,
      queued: Math.max(...slice.map((p) => p.queued)),
      runners: Math.max(...slice.map((p) => p.runners)),
    });
  }
  return out;
}

/**
 * A text chart of queued jobs (`▪`) and alive runners (`•`) over time; `█` where both share a cell.
 *
 * @example
 * ```ts
 * process.stdout.write(renderTerminalChart(report.timeline));
 * ```
 */
export function renderTerminalChart(timeline: readonly TimelinePoint[], options: ChartOptions = {}): string {
  const width = options.width ?? 64;
  const height = options.height ?? 12;
  const data = buckets(timeline, width);
  if (data.length === 0) return '';
  const top = Math.max(1, ...data.map((d) => Math.max(d.queued, d.runners)));
  const row = (v: number) => Math.round((v / top) * (height - 1));
  const grid = Array.from({ length: height }, () => Array.from({ length: data.length }, () => ' '));
  data.forEach((d, x) => {
    const q = d.queued > 0 ? row(d.queued) : -1;
    const r = d.runners > 0 ? row(d.runners) : -1;
    for (let y = 0; y < height; y++) {
      const line = grid[height - 1 - y] as string[];
      const hasQ = y === q;
      const hasR = y === r;
      if (hasQ && hasR) line[x] = '█';
      else if (hasQ) line[x] = '▪';
      else if (hasR) line[x] = '•';
    }
  });
  const label = String(top).length;
  const lines = grid.map((cells, i) => {
    const axis = i === 0 ? String(top).padStart(label) : i === height - 1 ? '0'.padStart(label) : ' '.repeat(label);
    return `  ${axis} │${cells.join('')}`;
  });
  const end = timeline[timeline.length - 1]?.at ?? 0;
  lines.push(`  ${' '.repeat(label)} └${'─'.repeat(data.length)}`);
  lines.push(`  ${' '.repeat(label)}  0${`${formatDuration(end)}`.padStart(data.length - 1)}`);
  lines.push(`  ${' '.repeat(label)}  ▪ queued jobs   • runners alive   █ both`);
  return `${lines.join('\n')}\n`;
}

/**
 * An SVG chart of queued jobs and alive runners over time.
 *
 * @example
 * ```ts
 * writeFileSync('chart.svg', renderSvgChart(report.timeline, 'ghr on burst'));
 * ```
 */
export function renderSvgChart(timeline: readonly TimelinePoint[], title: string): string {
  const w = 800;
  const h = 360;
  const pad = { left: 56, right: 20, top: 40, bottom: 44 };
  const end = Math.max(1, timeline[timeline.length - 1]?.at ?? 1);
  const top = Math.max(1, ...timeline.map((p) => Math.max(p.queued, p.runners, p.running)));
  const x = (at: number) => pad.left + (at / end) * (w - pad.left - pad.right);
  const y = (v: number) => h - pad.bottom - (v / top) * (h - pad.top - pad.bottom);
  const path = (pick: (p: TimelinePoint) => number) =>
    timeline.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(pick(p)).toFixed(1)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = Math.round(top * f);
    return `<line x1="${pad.left}" x2="${w - pad.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/><text x="${pad.left - 8}" y="${y(v) + 4}" text-anchor="end">${v}</text>`;
  });
  const timeTicks = [0, 0.25, 0.5, 0.75, 1].map(
    (f) => `<text x="${x(end * f)}" y="${h - pad.bottom + 18}" text-anchor="middle">${formatDuration(end * f)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="#fff"/>`,
    `<text x="${pad.left}" y="22" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    ...ticks,
    ...timeTicks,
    `<path d="${path((p) => p.runners)}" fill="none" stroke="#2563eb" stroke-width="1.5"/>`,
    `<path d="${path((p) => p.running)}" fill="none" stroke="#16a34a" stroke-width="1.2" stroke-dasharray="4 3"/>`,
    `<path d="${path((p) => p.queued)}" fill="none" stroke="#dc2626" stroke-width="1.5"/>`,
    `<g transform="translate(${w - pad.right - 330},22)"><rect width="12" height="3" y="-4" fill="#dc2626"/><text x="16">queued jobs</text><rect x="110" width="12" height="3" y="-4" fill="#2563eb"/><text x="126">runners alive</text><rect x="230" width="12" height="3" y="-4" fill="#16a34a"/><text x="246">jobs running</text></g>`,
    `<text x="${w / 2}" y="${h - 8}" text-anchor="middle">simulated time</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function formatDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string);
}
