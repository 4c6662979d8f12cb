import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { linuxRunnerBootstrap } from './linux-bootstrap.js';
import { runInSandbox } from '../../test/bootstrap-sandbox.js';
import type { SandboxRun } from '../../test/bootstrap-sandbox.js';

// A real JIT config is base64 of `{".runner"...`, so it starts with `eyIu`.
const JIT = Buffer.from(JSON.stringify({ '.runner': 'x'.repeat(300), '.credentials': 'secret-credentials' })).toString('base64');

function script(overrides: Partial<Parameters<typeof linuxRunnerBootstrap>[0]> = {}): string {
  return linuxRunnerBootstrap({ handoffPrefix: '/ghr/prod/runners', binariesBucket: 'ghr-binaries', runnerDirectory: 'RUNNER_DIR', ...overrides });
}

const runs: SandboxRun[] = [];
function run(world: Parameters<typeof runInSandbox>[1], overrides: Partial<Parameters<typeof linuxRunnerBootstrap>[0]> = {}, trace = false): SandboxRun {
  // The runner directory lives inside the sandbox: rewrite the placeholder once the sandbox exists.
  const result = runInSandbox(script(overrides), world, { trace });
  runs.push(result);
  return result;
}

afterEach(() => {
  for (const r of runs.splice(0)) r.cleanup();
});

describe('linuxRunnerBootstrap', () => {
  it('passes shellcheck', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghr-shellcheck-'));
    const file = join(dir, 'user-data.sh');
    writeFileSync(file, script({ jobStartedHook: 'echo started', jobCompletedHook: 'echo done', preRunnerScript: 'echo prepare' }));
    const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', file], { encoding: 'utf8' });
    rmSync(dir, { recursive: true });
    expect(result.error, 'shellcheck must be installed (tools/scripts/setup.sh)').toBeUndefined();
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('starts the runner with the JIT config in its environment, deletes the hand-off and powers off', () => {
    const r = run({ secret: JIT, secretAfterCalls: 2, tagAfterCalls: 1, runnerName: 'ghr-linux-7f3a' });

    expect(r.runnerArgv?.slice(1)).toEqual([]);
    expect(r.runnerEnv?.['ACTIONS_RUNNER_INPUT_JITCONFIG']).toBe(JIT);
    expect(r.calls).toContain('aws ssm get-parameter --name /ghr/prod/runners/ghr-linux-7f3a --with-decryption --query Parameter.Value --output text');
    expect(r.calls).toContain('aws ssm delete-parameter --name /ghr/prod/runners/ghr-linux-7f3a');
    expect(r.calls.some((c) => c.startsWith('useradd --create-home'))).toBe(true);
    expect(r.calls.filter((c) => c.startsWith('aws ssm get-parameter'))).toHaveLength(3);
    expect(r.shutdown).toBe(true);
    expect(r.status).toBe(0);
    expect(r.leaks(JIT)).toEqual([]);
  });

  it('never shows the JIT config, even when bash traces every command', () => {
    const r = run({ secret: JIT }, { preRunnerScript: 'set -x\necho prepared' }, true);

    expect(r.runnerEnv?.['ACTIONS_RUNNER_INPUT_JITCONFIG']).toBe(JIT);
    expect(r.leaks(JIT)).toEqual([]);
    expect(r.calls.every((c) => !c.includes(JIT))).toBe(true);
  });

  it('powers off without starting a runner when the hand-off never appears', () => {
    const r = run({});

    expect(r.runnerArgv).toBeUndefined();
    expect(r.calls.filter((c) => c.startsWith('aws ssm get-parameter'))).toHaveLength(5);
    expect(r.stderr).toContain('no hand-off at /ghr/prod/runners/ghr-linux-0001');
    expect(r.shutdown).toBe(true);
    expect(r.status).not.toBe(0);
  });

  it('refuses a runner whose checksum does not match, and never reads the hand-off', () => {
    const r = run({ secret: JIT, sha256: 'f'.repeat(64) });

    expect(r.runnerArgv).toBeUndefined();
    expect(r.stderr).toContain('checksum mismatch');
    expect(r.calls.some((c) => c.startsWith('aws ssm'))).toBe(false);
    expect(r.files.filter((f) => f.startsWith('tmp/'))).toEqual([]);
    expect(r.shutdown).toBe(true);
    expect(r.status).not.toBe(0);
  });

  it('powers off when the runner crashes', () => {
    const r = run({ secret: JIT, runnerExit: 137 });

    expect(r.runnerArgv).toBeDefined();
    expect(r.stderr).toContain('the runner exited with status 137');
    expect(r.shutdown).toBe(true);
    expect(r.leaks(JIT)).toEqual([]);
  });

  it('powers off when the instance never gets its runner tag', () => {
    const r = run({ secret: JIT, tagAfterCalls: 99 });

    expect(r.stderr).toContain('no ghr:runner tag');
    expect(r.calls.some((c) => c.startsWith('aws'))).toBe(false);
    expect(r.shutdown).toBe(true);
  });

  it('registers with a registration token through config.sh, the token only in the environment', () => {
    const token = 'AABBCCDDEEFFGGHHIIJJKKLLMMNN1';
    const secret = JSON.stringify({ kind: 'registration', url: 'https://github.com/acme', token, runnerGroup: 'linux' });
    const r = run({ secret }, { labels: ['self-hosted', 'linux'] });

    expect(r.runnerArgv?.slice(1)).toEqual([]);
    expect(r.configEnv).toContain(`ACTIONS_RUNNER_INPUT_TOKEN=${token}`);
    expect(r.configEnv).toContain('ACTIONS_RUNNER_INPUT_LABELS=self-hosted,linux');
    expect(r.configEnv).toContain('ACTIONS_RUNNER_INPUT_RUNNERGROUP=linux');
    expect(r.runnerEnv?.['ACTIONS_RUNNER_INPUT_TOKEN']).toBeUndefined();
    expect(r.leaks(token)).toEqual([]);
    expect(r.calls.find((c) => c.startsWith('sudo') && c.includes('config.sh'))).toContain('--unattended --replace');
  });

  it('writes the job hooks into the runner .env file', () => {
    const r = run({ secret: JIT }, { jobStartedHook: 'echo started', jobCompletedHook: 'echo completed' });

    expect(r.files).toEqual(expect.arrayContaining(['runner/ghr-job-started.sh', 'runner/ghr-job-completed.sh', 'runner/.env']));
    expect(r.calls.filter((c) => c.startsWith('chown runner: ') && c.endsWith('/runner/.env'))).toHaveLength(2);
    expect(r.shutdown).toBe(true);
  });

  it('refuses option values that would break out of their quotes', () => {
    expect(() => linuxRunnerBootstrap({ handoffPrefix: "/ghr/x'; rm -rf /", binariesBucket: 'b' })).toThrow(/handoffPrefix/);
  });
});
