// Test support: a LocalProcessProvider on a temporary directory that starts test/fixtures/fake-runner.mjs.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LaunchRequest, Pool } from '@ghr/core';
import { LocalProcessProvider } from '../src/index.js';
import type { LocalProcessProviderOptions, RunnerCommandFactory } from '../src/index.js';

export const FAKE_RUNNER = join(import.meta.dirname, 'fixtures', 'fake-runner.mjs');

/** What fake-runner.mjs reports about itself. */
export interface FakeRunnerReport {
  readonly pid: number;
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly home: string;
  readonly jitConfig?: string;
  readonly token?: string;
  readonly envKeys: readonly string[];
  readonly grandchildPid?: number;
}

export type FakeRunnerMode = 'wait' | 'exit' | 'stubborn' | 'family';

/** A temporary work root and report directory, and a command factory starting the fake runner in `mode`. */
export function fakeRunnerSetup(mode: FakeRunnerMode = 'wait', extraEnv: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ghr-provider-'));
  const reports = join(dir, 'reports');
  const workRoot = join(dir, 'root');
  const command: RunnerCommandFactory = () => ({
    file: process.execPath,
    args: [FAKE_RUNNER, '--fake'],
    env: { FAKE_RUNNER_MODE: mode, FAKE_RUNNER_REPORT: reports, ...extraEnv },
  });
  mkdirSync(reports);
  return {
    dir,
    workRoot,
    reports,
    command,
    provider: (options: Partial<LocalProcessProviderOptions> = {}) =>
      new LocalProcessProvider({ workRoot, command, maxProcesses: 20, terminateGrace: 2_000, ...options }),
    report: (name: string): FakeRunnerReport => JSON.parse(readFileSync(join(reports, `${name}.json`), 'utf8')) as FakeRunnerReport,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Launch requests with JIT configs `secret-jit-<name>`. */
export function jitRequests(pool: Pool, names: readonly string[]): LaunchRequest[] {
  return names.map((name) => ({
    name,
    poolId: pool.id,
    labels: pool.labels,
    ephemeral: true,
    bootstrap: { kind: 'jit', encodedJitConfig: `secret-jit-${name}` },
  }));
}
