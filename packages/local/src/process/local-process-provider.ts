// The RunnerProvider port on this machine: one OS process (group) per runner.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { isRetryable, silentLogger, systemClock } from '@ghr/core';
import type {
  Clock,
  GhrError,
  Instance,
  InstanceFilter,
  LaunchErrorCode,
  LaunchFailure,
  LaunchRequest,
  LaunchResult,
  Logger,
  Pool,
  RunnerProvider,
  TerminateResult,
} from '@ghr/core';
import { throwIfAborted, toLocalError } from '../errors.js';
import { actionsRunnerCommand } from './actions-runner.js';
import { ProcessRecords } from './process-records.js';
import type { ProcessRecord } from './process-records.js';
import { processStartTime, signalGroup, snapshotProcesses } from './process-table.js';
import { bootstrapEnvironment } from './runner-command.js';
import type { RunnerCommand, RunnerCommandFactory } from './runner-command.js';

/** Options of a {@link LocalProcessProvider}. */
export interface LocalProcessProviderOptions {
  /**
   * The provider's directory: `state/` (one record per process, so a restarted provider finds them), `runners/`
   * (a fresh work directory per runner, removed when it ends), `logs/` (each runner's output, kept with its
   * record) and, for the default command, `cache/` (actions/runner releases). One provider per directory.
   */
  readonly workRoot: string;
  /** What each runner runs. Default: `actionsRunnerCommand({ cacheDir: <workRoot>/cache })`. */
  readonly command?: RunnerCommand | RunnerCommandFactory;
  /** Most runner processes alive at once, over all pools; more fail with `capacity`. Default: the CPU count. */
  readonly maxProcesses?: number;
  /**
   * The environment runner processes start with, besides `HOME` (the runner's work directory), the command's
   * `env` and the bootstrap variables. Default: only `PATH` and `LANG`: the server's own environment (App key,
   * webhook secret) never reaches a job.
   */
  readonly env?: Readonly<Record<string, string>>;
  /** How long `terminate` waits after SIGTERM before it sends SIGKILL to the process group (ms). Default 10 s. */
  readonly terminateGrace?: number;
  /** How long an ended process stays listed as `terminated`, with its log (ms). Default 1 hour. */
  readonly retention?: number;
  /** Time source of `launchedAt` and retention. Default `systemClock`. */
  readonly clock?: Pick<Clock, 'now'>;
  /** Default silent. Never receives a bootstrap secret. */
  readonly logger?: Logger;
}

/**
 * Defaults of {@link LocalProcessProviderOptions}, in one place.
 *
 * @example
 * ```ts
 * new LocalProcessProvider({ workRoot, env: { ...LOCAL_PROCESS_DEFAULTS.env, HTTPS_PROXY: 'http://proxy:3128' } });
 * ```
 */
export const LOCAL_PROCESS_DEFAULTS = {
  env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' },
  terminateGrace: 10_000,
  retention: 3_600_000,
  /** Poll interval while waiting for a process group to end (ms). */
  pollInterval: 50,
  /** How long to wait for a group to disappear after SIGKILL (ms). */
  killWait: 5_000,
} as const;

const LAUNCH_CODES: ReadonlySet<string> = new Set<LaunchErrorCode>(['capacity', 'quota', 'throttled', 'invalid-config']);

type Outcome =
  | { readonly launched: { readonly name: string; readonly providerId: string } }
  | { readonly failed: LaunchFailure };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * A {@link RunnerProvider} whose machines are processes on this machine: each runner runs its command (by
 * default GitHub's actions/runner, see `actionsRunnerCommand`) as the leader of a new process group, in a fresh
 * work directory, with its bootstrap secret only in its environment (`ACTIONS_RUNNER_INPUT_JITCONFIG` for a
 * JIT config; never in argv, logs or the provider's records). At most `maxProcesses` run at once: runners past
 * the limit fail with `capacity` (retryable), as a cloud out of capacity. A launch of a name that is already
 * running answers that process instead of starting a second one.
 *
 * Every process is recorded in `<workRoot>/state` (pid, process start time, name, pool, launch time), so a
 * provider started later lists and terminates the runners of an earlier one; a process whose group has ended
 * (or whose pid now belongs to another process) lists as `terminated`, and its work directory is removed.
 * `terminate` sends SIGTERM to the whole process group, then SIGKILL after `terminateGrace`, and answers once
 * the group is gone. When a runner ends by itself (an ephemeral runner after its job), whatever it left in its
 * process group is killed and its work directory removed, as a machine that ends takes its processes and disk
 * with it. POSIX only (Linux, macOS).
 *
 * @example
 * ```ts
 * const provider = new LocalProcessProvider({ workRoot: '/var/lib/ghr/runners', maxProcesses: 4 });
 * const { launched, failed } = await provider.launch(pool, requests, AbortSignal.timeout(60_000));
 * await provider.terminate(launched.map((l) => l.providerId), AbortSignal.timeout(30_000));
 * ```
 */
export class LocalProcessProvider implements RunnerProvider {
  readonly #root: string;
  readonly #command: RunnerCommand | RunnerCommandFactory;
  readonly #max: number;
  readonly #env: Readonly<Record<string, string>>;
  readonly #grace: number;
  readonly #retention: number;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #logger: Logger;
  readonly #store: ProcessRecords;
  readonly #records = new Map<string, ProcessRecord>();
  /** Exits seen before the record of the process was stored. */
  readonly #earlyExits = new Map<string, NonNullable<ProcessRecord['exit']>>();
  readonly #ending = new Map<string, Promise<void>>();
  #pending = 0;
  /** Names of runners whose launch is in progress. */
  readonly #starting = new Set<string>();
  #loaded: Promise<void> | undefined;

  constructor(options: LocalProcessProviderOptions) {
    this.#root = options.workRoot;
    this.#command = options.command ?? actionsRunnerCommand({ cacheDir: join(options.workRoot, 'cache') });
    this.#max = Math.max(0, Math.floor(options.maxProcesses ?? availableParallelism()));
    this.#env = options.env ?? LOCAL_PROCESS_DEFAULTS.env;
    this.#grace = Math.max(0, options.terminateGrace ?? LOCAL_PROCESS_DEFAULTS.terminateGrace);
    this.#retention = Math.max(0, options.retention ?? LOCAL_PROCESS_DEFAULTS.retention);
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#store = new ProcessRecords(join(this.#root, 'state'));
  }

  async launch(pool: Pool, runners: readonly LaunchRequest[], signal: AbortSignal): Promise<LaunchResult> {
    throwIfAborted(signal, 'Provider launch');
    if (runners.length === 0) return { launched: [], failed: [] };
    await this.#refresh().catch((err: unknown) => {
      throw toLocalError(err, `Local provider launch of ${runners.length} runner(s) in ${this.#root}`);
    });
    // A runner already running under its name is answered as launched (a retried launch after a lost answer,
    // as EC2's client token does), not started twice.
    const running = new Map<string, string>();
    for (const record of this.#records.values()) if (record.endedAt === undefined) running.set(record.name, record.providerId);
    const existing = runners.filter((r) => running.has(r.name)).map((r) => ({ name: r.name, providerId: running.get(r.name)! }));
    const fresh = runners.filter((r) => !running.has(r.name) && !this.#starting.has(r.name));
    const duplicate = runners.filter((r) => !running.has(r.name) && this.#starting.has(r.name));
    // No await between counting and reserving: concurrent launches never pass the limit together.
    const free = Math.max(0, this.#max - this.#liveCount() - this.#pending);
    const accepted = fresh.slice(0, free);
    for (const r of accepted) this.#starting.add(r.name);
    this.#pending += accepted.length;
    const outcomes = await Promise.all(
      accepted.map((request) =>
        this.#start(pool, request, signal)
          .catch((err: unknown): Outcome => {
            const error = toLocalError(err, `Starting runner ${request.name}`);
            return { failed: { name: request.name, code: 'internal', retryable: error.retryable, message: error.message } };
          })
          .finally(() => {
            this.#pending -= 1;
            this.#starting.delete(request.name);
          }),
      ),
    );
    const launched = [...existing, ...outcomes.flatMap((o) => ('launched' in o ? [o.launched] : []))];
    const failed: LaunchFailure[] = [
      ...outcomes.flatMap((o) => ('failed' in o ? [o.failed] : [])),
      ...duplicate.map((request) => ({
        name: request.name,
        code: 'internal' as const,
        retryable: true,
        message: `Runner ${request.name} is being started by a concurrent launch call: list to see it, or retry.`,
      })),
      ...fresh.slice(free).map((request) => ({
        name: request.name,
        code: 'capacity' as const,
        retryable: true,
        message: `Runner ${request.name} not started: this machine already runs its limit of ${this.#max} runner processes (maxProcesses). It will fit when a runner ends.`,
      })),
    ];
    return { launched, failed };
  }

  async list(filter: InstanceFilter, signal: AbortSignal): Promise<readonly Instance[]> {
    throwIfAborted(signal, 'Provider list');
    await this.#refresh().catch((err: unknown) => {
      throw toLocalError(err, `Local provider list in ${this.#root}`);
    });
    const pools = filter.poolIds ? new Set(filter.poolIds) : undefined;
    const names = filter.names ? new Set(filter.names) : undefined;
    const out: Instance[] = [];
    for (const record of this.#records.values()) {
      if ((pools && !pools.has(record.poolId)) || (names && !names.has(record.name))) continue;
      const state = record.endedAt !== undefined ? 'terminated' : record.terminateRequestedAt !== undefined ? 'stopping' : 'running';
      out.push({ providerId: record.providerId, name: record.name, poolId: record.poolId, state, launchedAt: record.launchedAt });
    }
    return out.sort((a, b) => a.launchedAt - b.launchedAt || a.name.localeCompare(b.name));
  }

  async terminate(providerIds: readonly string[], signal: AbortSignal): Promise<TerminateResult> {
    throwIfAborted(signal, 'Provider terminate');
    await this.#ready().catch((err: unknown) => {
      throw toLocalError(err, `Local provider terminate in ${this.#root}`);
    });
    const terminated: string[] = [];
    const failed: TerminateResult['failed'][number][] = [];
    await Promise.all(
      [...new Set(providerIds)].map(async (providerId) => {
        try {
          await this.#stop(providerId, signal);
          terminated.push(providerId);
        } catch (err) {
          failed.push({
            providerId,
            code: 'internal',
            retryable: true,
            message: `Stopping runner process ${providerId} failed (${(err as NodeJS.ErrnoException).code ?? String(err)}): retry; check that ghr runs as the user that started it.`,
          });
        }
      }),
    );
    return { terminated, failed };
  }

  /** Loads the records of earlier providers on this directory once, and removes work directories nobody owns. */
  #ready(): Promise<void> {
    this.#loaded ??= (async () => {
      for (const record of await this.#store.load()) this.#records.set(record.providerId, record);
      const runnersDir = join(this.#root, 'runners');
      await mkdir(runnersDir, { recursive: true });
      await mkdir(join(this.#root, 'logs'), { recursive: true });
      for (const dir of await readdir(runnersDir)) {
        const owner = this.#records.get(dir);
        if (!owner || owner.endedAt !== undefined) await rm(join(runnersDir, dir), { recursive: true, force: true });
      }
    })();
    this.#loaded.catch(() => {
      this.#loaded = undefined; // e.g. the directory was not writable: try again on the next call
    });
    return this.#loaded;
  }

  /** Ends the records of process groups that are gone, and forgets ended ones past the retention. */
  async #refresh(): Promise<void> {
    await this.#ready();
    const snapshot = snapshotProcesses();
    const now = this.#clock.now();
    await Promise.all(
      [...this.#records.values()].map(async (record) => {
        if (record.endedAt === undefined) {
          if (!snapshot.alive(record.pid, record.startTime)) await this.#end(record.providerId, undefined);
        } else if (record.endedAt <= now - this.#retention) {
          this.#records.delete(record.providerId);
          await this.#store.remove(record.providerId);
          await rm(record.logFile, { force: true });
        }
      }),
    );
  }

  #liveCount(): number {
    let n = 0;
    for (const record of this.#records.values()) if (record.endedAt === undefined) n += 1;
    return n;
  }

  async #start(pool: Pool, request: LaunchRequest, signal: AbortSignal): Promise<Outcome> {
    const providerId = `lp-${randomBytes(8).toString('hex')}`;
    const workDir = join(this.#root, 'runners', providerId);
    const fail = async (code: LaunchErrorCode, retryable: boolean, message: string): Promise<Outcome> => {
      await rm(workDir, { recursive: true, force: true });
      this.#logger.warn('runner process not started', { runner: request.name, pool: pool.id, code });
      return { failed: { name: request.name, code, retryable, message } };
    };
    await mkdir(workDir, { recursive: true });

    let command: RunnerCommand;
    try {
      command =
        typeof this.#command === 'function'
          ? await this.#command({
              name: request.name,
              poolId: pool.id,
              labels: request.labels,
              ephemeral: request.ephemeral,
              bootstrap: request.bootstrap.kind,
              workDir,
              signal,
            })
          : this.#command;
    } catch (err) {
      const code = (err as Partial<GhrError>).code;
      const launchCode: LaunchErrorCode = code !== undefined && LAUNCH_CODES.has(code) ? (code as LaunchErrorCode) : 'internal';
      const detail = err instanceof Error ? err.message : String(err);
      return fail(launchCode, isRetryable(err), `Preparing runner ${request.name} failed: ${detail}`);
    }

    const logFile = join(this.#root, 'logs', `${request.name.replace(/[^\w.-]/g, '_')}.log`);
    const log = await open(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(command.file, [...(command.args ?? [])], {
        cwd: command.cwd ?? workDir,
        env: { ...this.#env, HOME: workDir, ...command.env, ...bootstrapEnvironment(request) },
        detached: true, // its own process group, so terminate reaches everything it starts
        stdio: ['ignore', log.fd, log.fd],
      });
      child.on('error', () => {}); // after 'spawn', errors only concern signals we send; we check those ourselves
      child.once('exit', (code, exitSignal) => this.#exited(providerId, { code, signal: exitSignal }));
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
    } catch (err) {
      const errno = (err as NodeJS.ErrnoException).code ?? 'error';
      return fail('invalid-config', false, `The runner command ${command.file} could not be started (${errno}): check that it exists and is executable.`);
    } finally {
      await log.close();
    }
    child.unref();
    const pid = child.pid!;
    const startTime = processStartTime(pid);
    const record: ProcessRecord = {
      providerId,
      name: request.name,
      poolId: pool.id,
      pid,
      ...(startTime === undefined ? {} : { startTime }),
      launchedAt: this.#clock.now(),
      workDir,
      logFile,
    };
    this.#records.set(providerId, record);
    await this.#store.save(record);
    this.#logger.info('runner process started', { runner: request.name, pool: pool.id, providerId, pid });
    const early = this.#earlyExits.get(providerId);
    if (early) {
      this.#earlyExits.delete(providerId);
      await this.#end(providerId, early);
    }
    return { launched: { name: request.name, providerId } };
  }

  #exited(providerId: string, exit: NonNullable<ProcessRecord['exit']>): void {
    if (!this.#records.has(providerId)) {
      this.#earlyExits.set(providerId, exit);
      return;
    }
    this.#end(providerId, exit).catch((err: unknown) =>
      this.#logger.error('clean-up of an ended runner process failed', { providerId, error: String(err) }),
    );
  }

  /** Records that a process group ended: kills what is left of it, removes its work directory. Once per process. */
  #end(providerId: string, exit: ProcessRecord['exit']): Promise<void> {
    let ending = this.#ending.get(providerId);
    if (!ending) {
      ending = (async () => {
        const record = this.#records.get(providerId);
        if (!record || record.endedAt !== undefined) return;
        const snapshot = snapshotProcesses();
        if (snapshot.alive(record.pid, record.startTime)) signalGroup(record.pid, 'SIGKILL');
        await rm(record.workDir, { recursive: true, force: true });
        const ended: ProcessRecord = { ...record, endedAt: this.#clock.now(), ...(exit ? { exit } : {}) };
        this.#records.set(providerId, ended);
        await this.#store.save(ended);
        this.#logger.info('runner process ended', { runner: record.name, providerId, exitCode: exit?.code, exitSignal: exit?.signal });
      })().finally(() => this.#ending.delete(providerId));
      this.#ending.set(providerId, ending);
    }
    return ending;
  }

  /** SIGTERM to the group, SIGKILL after the grace, and waits until the group is gone. */
  async #stop(providerId: string, signal: AbortSignal): Promise<void> {
    let record = this.#records.get(providerId);
    if (!record || record.endedAt !== undefined) return;
    if (record.terminateRequestedAt === undefined) {
      record = { ...record, terminateRequestedAt: this.#clock.now() };
      this.#records.set(providerId, record);
      await this.#store.save(record);
    }
    const { pid, startTime } = record;
    const alive = () => snapshotProcesses().alive(pid, startTime);
    const waitGone = async (ms: number) => {
      const until = Date.now() + ms;
      while (alive()) {
        if (Date.now() >= until || signal.aborted) return false;
        await sleep(LOCAL_PROCESS_DEFAULTS.pollInterval);
      }
      return true;
    };
    if (alive() && signalGroup(pid, 'SIGTERM') === 'sent' && !(await waitGone(this.#grace))) {
      if (signalGroup(pid, 'SIGKILL') === 'sent') await waitGone(LOCAL_PROCESS_DEFAULTS.killWait);
    }
    await this.#end(providerId, undefined);
  }
}
