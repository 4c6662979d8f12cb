// The live terminal view of `ghr demo`: queued and running jobs, runners by state per pool, progress.
import type { RunnerState } from '@ghr/core';

/** One moment of the demo, as the view shows it. */
export interface DemoFrame {
  readonly elapsedSeconds: number;
  readonly jobs: { readonly total: number; readonly arrived: number; readonly queued: number; readonly running: number; readonly done: number };
  /** Per pool: runners by ledger state, and `processes` alive on this machine. */
  readonly pools: readonly {
    readonly id: string;
    readonly maxRunners: number;
    readonly runners: Readonly<Partial<Record<RunnerState, number>>>;
    readonly processes: number;
  }[];
  readonly webhooks: { readonly delivered: number; readonly failed: number };
}

const STATES: readonly RunnerState[] = ['launching', 'booting', 'idle', 'busy', 'draining'];

function bar(done: number, total: number, width: number): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

/**
 * Renders one frame of the live view as lines of text (no escape codes; the caller redraws).
 *
 * @example
 * ```ts
 * process.stderr.write(renderDemoFrame(frame).join('\n'));
 * ```
 */
export function renderDemoFrame(frame: DemoFrame): string[] {
  const j = frame.jobs;
  const lines = [
    `ghr demo — ${frame.elapsedSeconds.toFixed(0)} s   webhooks delivered ${frame.webhooks.delivered}${frame.webhooks.failed > 0 ? `, failed ${frame.webhooks.failed}` : ''}`,
    '',
    `  jobs  ${bar(j.done, j.total, 30)} ${j.done}/${j.total} done   queued ${j.queued}   running ${j.running}   not yet arrived ${j.total - j.arrived}`,
    '',
    `  ${'pool'.padEnd(16)} ${STATES.map((s) => s.padStart(9)).join(' ')}   processes   alive/max`,
  ];
  for (const pool of frame.pools.slice(0, 12)) {
    const alive = STATES.reduce((n, s) => n + (pool.runners[s] ?? 0), 0);
    lines.push(
      `  ${pool.id.padEnd(16)} ${STATES.map((s) => String(pool.runners[s] ?? 0).padStart(9)).join(' ')}   ${String(pool.processes).padStart(9)}   ${`${alive}/${pool.maxRunners}`.padStart(9)}  ${bar(alive, pool.maxRunners, 10)}`,
    );
  }
  if (frame.pools.length > 12) lines.push(`  … ${frame.pools.length - 12} more pools`);
  return lines;
}

/** A one-line form of the frame, for logs that are not a terminal. */
export function renderDemoLine(frame: DemoFrame): string {
  const j = frame.jobs;
  const alive = frame.pools.reduce((n, p) => n + STATES.reduce((m, s) => m + (p.runners[s] ?? 0), 0), 0);
  return `ghr demo: ${frame.elapsedSeconds.toFixed(0)} s, jobs ${j.done}/${j.total} done, ${j.queued} queued, ${j.running} running; ${alive} runners alive`;
}
