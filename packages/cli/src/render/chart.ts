// Charts of queued jobs and runners over time: in the terminal (text) and as an SVG file.
import type { SimulationReport, TimelinePoint } from '@ghr/sim';

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
 * Round axis ticks from 0 to at least `max`: steps of 1, 2 or 5 × 10^k, about `count` of them.
 *
 * @example
 * ```ts
 * niceTicks(84); // [0, 20, 40, 60, 80, 100]
 * ```
 */
export function niceTicks(max: number, count = 4): number[] {
  const top = Math.max(1, max);
  const raw = top / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  const step = (normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10) * magnitude;
  const whole = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let v = 0; v < top + whole; v += whole) {
    ticks.push(v);
    if (v >= top) break;
  }
  return ticks;
}

/**
 * Round time ticks (seconds) covering `end`: in seconds, minutes or hours, whichever reads best.
 *
 * @example
 * ```ts
 * timeTicks(5400); // [0, 1200, 2400, 3600, 4800, 6000] (0, 20m, 40m, 60m, 80m, 100m)
 * ```
 */
export function timeTicks(end: number): number[] {
  const unit = timeUnit(end);
  return niceTicks(end / unit, 5).map((t) => t * unit);
}

function timeUnit(end: number): 1 | 60 | 3600 {
  return end < 300 ? 1 : end < 3 * 3600 ? 60 : 3600;
}

/** A tick label in the unit the axis uses. */
function tickLabel(seconds: number, unit: 1 | 60 | 3600): string {
  const value = Math.round((seconds / unit) * 10) / 10;
  return `${value}${unit === 1 ? 's' : unit === 60 ? 'm' : 'h'}`;
}

const SERIES = [
  { key: 'queued', label: 'queued jobs', color: '#dc2626', dash: '' },
  { key: 'runners', label: 'runners alive', color: '#2563eb', dash: '' },
  { key: 'running', label: 'jobs running', color: '#16a34a', dash: ' stroke-dasharray="4 3"' },
] as const;

type Series = { readonly at: number; readonly queued: number; readonly running: number; readonly runners: number };

const WIDTH = 820;
const PAD = { left: 60, right: 24 };
const PANEL_HEIGHT = 170;
const PANEL_GAP = 46;

/** One panel: a subtitle, round y ticks, time ticks, the three series. Returns SVG elements drawn from `top`. */
function timelinePanel(points: readonly Series[], top: number, subtitle: string, end: number): string[] {
  const times = timeTicks(end);
  const xMax = times[times.length - 1] ?? end;
  const ticks = niceTicks(Math.max(...points.map((p) => Math.max(p.queued, p.runners, p.running)), 1));
  const yMax = ticks[ticks.length - 1] ?? 1;
  const plotTop = top + 20;
  const plotBottom = top + PANEL_HEIGHT;
  const x = (at: number) => PAD.left + (at / xMax) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => plotBottom - (v / yMax) * (plotBottom - plotTop);
  const out = [`<text x="${PAD.left}" y="${top + 12}" font-weight="bold">${escapeXml(subtitle)}</text>`];
  for (const v of ticks) {
    out.push(`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${PAD.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`);
  }
  for (const t of times) {
    const anchor = t === 0 ? 'start' : t === xMax ? 'end' : 'middle';
    out.push(`<text x="${x(t).toFixed(1)}" y="${plotBottom + 16}" text-anchor="${anchor}" fill="#4b5563">${tickLabel(t, timeUnit(end))}</text>`);
  }
  for (const s of SERIES) {
    const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p[s.key]).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"${s.dash}/>`);
  }
  return out;
}

/** The wait distribution: how many served jobs waited how long (histogram with round bins). */
function waitPanel(waits: readonly number[], top: number): string[] {
  const out = [`<text x="${PAD.left}" y="${top + 12}" font-weight="bold">wait from queued to running (${waits.length} jobs)</text>`];
  const plotTop = top + 20;
  const plotBottom = top + PANEL_HEIGHT;
  if (waits.length === 0) {
    out.push(`<text x="${PAD.left}" y="${plotTop + 40}" fill="#4b5563">no job started</text>`);
    return out;
  }
  const maxWait = waits[waits.length - 1] ?? 0;
  const edges = niceTicks(maxWait, 12);
  const width = (edges[1] ?? 1) - (edges[0] ?? 0);
  const bins = edges.slice(0, -1).map((from) => waits.filter((w) => w >= from && (w < from + width || (from + width >= maxWait && w === maxWait))).length);
  const counts = niceTicks(Math.max(...bins, 1));
  const yMax = counts[counts.length - 1] ?? 1;
  const xMax = edges[edges.length - 1] ?? 1;
  const x = (v: number) => PAD.left + (v / xMax) * (WIDTH - PAD.left - PAD.right);
  const y = (v: number) => plotBottom - (v / yMax) * (plotBottom - plotTop);
  for (const v of counts) {
    out.push(`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${PAD.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`);
  }
  bins.forEach((n, i) => {
    const from = edges[i] ?? 0;
    out.push(`<rect x="${(x(from) + 1).toFixed(1)}" y="${y(n).toFixed(1)}" width="${Math.max(1, x(from + width) - x(from) - 2).toFixed(1)}" height="${(plotBottom - y(n)).toFixed(1)}" fill="#7c3aed"/>`);
  });
  const labelEvery = Math.ceil(edges.length / 7);
  edges.forEach((edge, i) => {
    if (i % labelEvery !== 0 && i !== edges.length - 1) return;
    out.push(`<text x="${x(edge).toFixed(1)}" y="${plotBottom + 16}" text-anchor="middle" fill="#4b5563">${formatDuration(edge)}</text>`);
  });
  out.push(`<text x="${WIDTH - PAD.right}" y="${plotBottom + 32}" text-anchor="end" fill="#4b5563">time waited (bins of ${formatDuration(width)}); bar height: jobs</text>`);
  return out;
}

function svgDocument(title: string, legend: boolean, panels: readonly string[][], height: number): string {
  const legendItems = legend
    ? SERIES.map((s, i) => {
        const lx = PAD.left + i * 150;
        return `<line x1="${lx}" x2="${lx + 18}" y1="46" y2="46" stroke="${s.color}" stroke-width="2.5"${s.dash}/><text x="${lx + 24}" y="50">${s.label}</text>`;
      })
    : [];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="${PAD.left}" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...legendItems,
    ...panels.flat(),
    '</svg>',
    '',
  ].join('\n');
}

/**
 * An SVG chart of queued jobs, alive runners and running jobs over time, in one panel.
 *
 * @example
 * ```ts
 * writeFileSync('chart.svg', renderSvgChart(report.timeline, 'ghr on burst'));
 * ```
 */
export function renderSvgChart(timeline: readonly TimelinePoint[], title: string): string {
  const end = Math.max(1, timeline[timeline.length - 1]?.at ?? 1);
  const panel = timelinePanel(timeline, 66, 'all pools', end);
  return svgDocument(title, true, [panel], 66 + PANEL_HEIGHT + PANEL_GAP);
}

/** Most pools drawn one panel each; past this, the busiest are drawn and the rest named in a note. */
export const CHART_MAX_POOL_PANELS = 8;

/**
 * The report as SVG: the title, a legend on its own line, one panel per pool (the busiest
 * {@link CHART_MAX_POOL_PANELS} when there are more; the note says how many were left out), then the
 * distribution of job waits.
 *
 * @example
 * ```ts
 * writeFileSync('report.svg', renderSvgReport(report, 'ghr on burst (seed 1)'));
 * ```
 */
export function renderSvgReport(report: Pick<SimulationReport, 'timeline' | 'pools' | 'waits'>, title: string): string {
  const timeline = report.timeline;
  const end = Math.max(1, timeline[timeline.length - 1]?.at ?? 1);
  const byPeak = [...report.pools].sort((a, b) => b.peakAlive - a.peakAlive || a.id.localeCompare(b.id));
  const drawn = byPeak.slice(0, CHART_MAX_POOL_PANELS);
  const panels: string[][] = [];
  let top = 66;
  const havePools = timeline.some((p) => p.pools !== undefined);
  if (!havePools) {
    panels.push(timelinePanel(timeline, top, 'all pools', end));
    top += PANEL_HEIGHT + PANEL_GAP;
  } else {
    for (const pool of drawn) {
      const points = timeline.map((p) => ({ at: p.at, ...(p.pools?.[pool.id] ?? { queued: 0, running: 0, runners: 0 }) }));
      panels.push(timelinePanel(points, top, `pool ${pool.id} (max ${pool.maxRunners} runners, peak ${pool.peakAlive})`, end));
      top += PANEL_HEIGHT + PANEL_GAP;
    }
    if (byPeak.length > drawn.length) {
      panels.push([`<text x="${PAD.left}" y="${top}" fill="#4b5563">${byPeak.length - drawn.length} more pools not drawn (the ${drawn.length} with the highest peaks are above)</text>`]);
      top += 28;
    }
  }
  panels.push(waitPanel(report.waits, top));
  top += PANEL_HEIGHT + PANEL_GAP;
  return svgDocument(title, true, panels, top);
}

function formatDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string);
}
