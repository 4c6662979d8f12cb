// `ghr status`: pools, queued jobs, runners by state, orphans and GitHub's rate budget of a machine's state
// directory (the ledger and the provider), plus GitHub's view when its credentials are at hand.
import type { Command } from 'commander';
import { ALIVE_RUNNER_STATES, runnerScopeOf, scopeKey } from '@ghr/core';
import type { GhrConfig, GitHubRunner, RunnerState } from '@ghr/core';
import { loadConfigFile } from '../config.js';
import { EXIT } from '../io.js';
import { githubClientFor, openLocal } from '../serve/local-setup.js';
import type { CommandContext } from './context.js';

/** What `ghr status --json` prints. */
export interface StatusReport {
  readonly pools: readonly {
    readonly id: string;
    readonly maxRunners: number;
    readonly queuedJobs: number;
    readonly runners: Readonly<Partial<Record<RunnerState, number>>>;
  }[];
  readonly queue: { readonly visible: number; readonly inFlight: number; readonly deadLetters: number };
  readonly orphans: readonly { readonly kind: 'process' | 'registration' | 'runner'; readonly name: string; readonly why: string }[];
  readonly github: { readonly ok: true; readonly rateLimit?: { readonly remaining: number; readonly limit: number; readonly reset: number } } | { readonly ok: false; readonly error: string };
}

/** Registers `ghr status`. */
export function registerStatusCommand(program: Command, context: CommandContext): void {

  program
    .command('status')
    .summary('pools, queued jobs, runners by state, orphans and GitHub rate budget of this machine')
    .description('Reads the ledger and runner processes of a `ghr serve` state directory, and GitHub when its credentials are set.')
    .requiredOption('--config <file>', 'ghr config (YAML or JSON)')
    .option('--state-dir <dir>', 'the state directory of ghr serve', '.ghr')
    .option('--offline', 'do not ask GitHub (no registrations, no rate budget)', false)
    .option('--json', 'print one JSON object', false)
    .action(async (options: { config: string; stateDir: string; offline: boolean; json: boolean }) => {
      const { io } = context;
      let config: GhrConfig;
      try {
        config = await loadConfigFile(options.config);
      } catch (error) {
        io.stderr(`ghr status: ${(error as Error).message}\n`);
        context.exitCode = EXIT.usage;
        return;
      }
      const { store, provider } = openLocal({ stateDir: options.stateDir, secrets: { env: context.env } });
      try {
        const report = await statusOf(config, store, provider, options.offline ? undefined : context.env);
        if (options.json) io.stdout(`${JSON.stringify(report)}\n`);
        else io.stdout(renderStatus(report));
        context.exitCode = EXIT.ok;
      } catch (error) {
        io.stderr(`ghr status: ${(error as Error).message}\n`);
        context.exitCode = EXIT.failure;
      } finally {
        store.close();
      }
    });
}

async function statusOf(
  config: GhrConfig,
  store: ReturnType<typeof openLocal>['store'],
  provider: ReturnType<typeof openLocal>['provider'],
  env: Readonly<Record<string, string | undefined>> | undefined,
): Promise<StatusReport> {
  const signal = AbortSignal.timeout(30_000);
  const alive = new Set<RunnerState>(ALIVE_RUNNER_STATES);
  const runners = await store.ledger.listRunners({}, signal);
  const queued = await store.ledger.listJobs({ statuses: ['queued'] }, signal);
  const instances = (await provider.list({}, signal)).filter((i) => i.state !== 'terminated');
  const pools = config.pools.map((pool) => {
    const byState: Partial<Record<RunnerState, number>> = {};
    for (const r of runners) if (r.poolId === pool.id && alive.has(r.state)) byState[r.state] = (byState[r.state] ?? 0) + 1;
    return { id: pool.id, maxRunners: pool.maxRunners, queuedJobs: queued.filter((j) => j.poolId === pool.id).length, runners: byState };
  });
  const aliveNames = new Set(runners.filter((r) => alive.has(r.state)).map((r) => r.name));
  const orphans: StatusReport['orphans'][number][] = [];
  for (const i of instances) if (!aliveNames.has(i.name)) orphans.push({ kind: 'process', name: i.name, why: 'a runner process the ledger does not count as alive' });
  const instanceNames = new Set(instances.map((i) => i.name));
  for (const r of runners) {
    if (alive.has(r.state) && r.state !== 'launching' && !instanceNames.has(r.name)) orphans.push({ kind: 'runner', name: r.name, why: `the ledger says ${r.state}, but no process runs it` });
  }
  let github: StatusReport['github'] = { ok: false, error: 'not asked (--offline)' };
  if (env) {
    try {
      const client = await githubClientFor(config, { env });
      const seen = new Map<string, GitHubRunner[]>();
      for (const pool of config.pools) {
        const scope = runnerScopeOf(pool.scope);
        const key = scopeKey(scope);
        if (!seen.has(key)) seen.set(key, [...(await client.listRunners(scope, signal))]);
      }
      const ours = new Set(runners.filter((r) => alive.has(r.state)).map((r) => r.name));
      const prefixes = config.pools.map((p) => p.id);
      for (const list of seen.values()) {
        for (const reg of list) {
          if (!ours.has(reg.name) && prefixes.some((p) => reg.name.startsWith(p))) orphans.push({ kind: 'registration', name: reg.name, why: `registered at GitHub (${reg.status}${reg.busy ? ', busy' : ''}) without an alive runner in the ledger` });
        }
      }
      const core = client.stats().rateLimits['core'];
      github = { ok: true, ...(core ? { rateLimit: { remaining: core.remaining, limit: core.limit, reset: core.reset } } : {}) };
    } catch (error) {
      github = { ok: false, error: (error as Error).message };
    }
  }
  return { pools, queue: store.queue.depth(), orphans, github };
}

function renderStatus(report: StatusReport): string {
  const states: readonly RunnerState[] = ['launching', 'booting', 'idle', 'busy', 'draining'];
  const lines = [`  ${'pool'.padEnd(20)} ${'queued'.padStart(7)} ${states.map((s) => s.padStart(9)).join(' ')}   max`];
  for (const p of report.pools) lines.push(`  ${p.id.padEnd(20)} ${String(p.queuedJobs).padStart(7)} ${states.map((s) => String(p.runners[s] ?? 0).padStart(9)).join(' ')}   ${p.maxRunners}`);
  lines.push('', `  queue: ${report.queue.visible} waiting, ${report.queue.inFlight} in flight, ${report.queue.deadLetters} dead letters`);
  lines.push(`  orphans: ${report.orphans.length === 0 ? 'none' : ''}`);
  for (const o of report.orphans.slice(0, 20)) lines.push(`    ${o.kind} ${o.name}: ${o.why}`);
  const g = report.github;
  lines.push(g.ok ? `  GitHub: reachable${g.rateLimit ? `, rate budget ${g.rateLimit.remaining}/${g.rateLimit.limit} until ${new Date(g.rateLimit.reset).toISOString()}` : ''}` : `  GitHub: ${g.error}`);
  return `${lines.join('\n')}\n`;
}
