// Fixtures of the engine tests: an engine over the memory ports, a manual clock and the fake GitHub.
import { jobEvent, poolFixture } from '@ghr/contracts';
import type { JobEvent, JobStatus, Pool } from '../domain.js';
import type { LogFields, MetricUnit } from '../ports.js';
import { ManualClock } from '../memory/manual-clock.js';
import { MemoryLedger } from '../memory/memory-ledger.js';
import { MemoryRunnerProvider } from '../memory/memory-runner-provider.js';
import { createEngine } from './engine.js';
import { FakeGitHub } from './fake-github.test-support.js';
import type { EngineOptions } from './types.js';

export const T0 = Date.UTC(2026, 0, 5, 9);
export const MIN = 60_000;
export const sig = () => AbortSignal.timeout(30_000);

export function seeded(seed = 1): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

export interface Setup {
  pools?: Pool[];
  options?: EngineOptions;
  clock?: ManualClock;
  ledger?: MemoryLedger;
  provider?: MemoryRunnerProvider;
  github?: FakeGitHub;
}

export function setup(opts: Setup = {}) {
  const clock = opts.clock ?? new ManualClock({ start: T0, autoAdvance: true });
  const ledger = opts.ledger ?? new MemoryLedger({ clock });
  const provider = opts.provider ?? new MemoryRunnerProvider({ clock });
  const github = opts.github ?? new FakeGitHub();
  const logs: { level: string; message: string; fields?: LogFields }[] = [];
  const logAt = (level: string) => (message: string, fields?: LogFields) => void logs.push({ level, message, fields });
  const metrics: { name: string; value: number; unit: MetricUnit; dimensions?: Readonly<Record<string, string>> }[] = [];
  const pools = opts.pools ?? [poolFixture('linux', { maxRunners: 5 })];
  const engine = createEngine({
    ledger,
    github,
    provider,
    clock,
    pools,
    logger: { debug: logAt('debug'), info: logAt('info'), warn: logAt('warn'), error: logAt('error') },
    metrics: { record: (name, value, unit, dimensions) => void metrics.push({ name, value, unit, dimensions }), flush: async () => undefined },
    // Most tests step through sweeps faster than the listing interval: every sweep lists unless a test says otherwise.
    options: { random: seeded(), launchBackoff: 1_000, listingInterval: 0, ...opts.options },
  });
  const metricSum = (name: string, dims: Record<string, string> = {}) =>
    metrics
      .filter((m) => m.name === name && Object.entries(dims).every(([k, v]) => m.dimensions?.[k] === v))
      .reduce((a, m) => a + m.value, 0);
  return { clock, ledger, provider, github, logs, metrics, metricSum, engine, pools };
}

export function ev(id: number, action: JobStatus, extra: { runnerName?: string; conclusion?: string; at?: number; delivery?: string; poolId?: string | null } = {}): JobEvent {
  const base = jobEvent(id);
  return {
    ...base,
    deliveryId: extra.delivery ?? `${action}-${id}`,
    action,
    poolId: extra.poolId === undefined ? 'linux' : extra.poolId,
    job: { ...base.job, runnerName: extra.runnerName, conclusion: extra.conclusion },
    receivedAt: extra.at ?? T0,
  };
}
