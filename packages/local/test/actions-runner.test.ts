import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { poolFixture } from '@ghr/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { actionsRunnerCommand, actionsRunnerReleaseUrl, LocalProcessProvider } from '../src/index.js';
import type { ActionsRunnerCommandOptions, RunnerDownload } from '../src/index.js';
import { jitRequests } from './fake-runner.js';

const signal = () => AbortSignal.timeout(20_000);
const pool = poolFixture('linux');
const platform = { os: 'linux', arch: 'x64' } as const;

/** A stand-in actions/runner release: run.sh and config.sh report what they were given. */
function fakeRelease(dir: string): string {
  const tree = join(dir, 'release');
  mkdirSync(join(tree, 'bin'), { recursive: true });
  const script = (name: string, body: string) => {
    writeFileSync(join(tree, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  };
  script('run.sh', 'echo "jit=$ACTIONS_RUNNER_INPUT_JITCONFIG args=$* cwd=$(pwd)" > "$REPORT_DIR/$GHR_RUNNER_NAME.run"');
  script('config.sh', 'echo "config $* url=$ACTIONS_RUNNER_INPUT_URL token=$ACTIONS_RUNNER_INPUT_TOKEN" > "$REPORT_DIR/$GHR_RUNNER_NAME.config"');
  writeFileSync(join(tree, 'bin', 'Runner.Listener'), 'binary');
  symlinkSync('bin/Runner.Listener', join(tree, 'listener-link'));
  const tarball = join(dir, 'release.tar.gz');
  execFileSync('tar', ['-czf', tarball, '-C', tree, '.']);
  return tarball;
}

async function until(condition: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('actionsRunnerCommand', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const setup = (options: Partial<ActionsRunnerCommandOptions> = {}) => {
    dir = mkdtempSync(join(tmpdir(), 'ghr-actions-runner-'));
    const tarball = fakeRelease(dir);
    const reports = join(dir, 'reports');
    mkdirSync(reports);
    const downloads: string[] = [];
    const download: RunnerDownload = async (url, file) => {
      downloads.push(url);
      copyFileSync(tarball, file);
    };
    const cacheDir = join(dir, 'cache');
    const provider = new LocalProcessProvider({
      workRoot: join(dir, 'root'),
      command: actionsRunnerCommand({ cacheDir, version: '2.400.0', platform, download, allowRunAsRoot: true, ...options }),
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', REPORT_DIR: reports },
    });
    return { provider, downloads, cacheDir, reports };
  };

  it('names the GitHub release asset of a version and platform', () => {
    dir = mkdtempSync(join(tmpdir(), 'ghr-actions-runner-'));
    expect(actionsRunnerReleaseUrl('2.330.0', { os: 'osx', arch: 'arm64' })).toBe(
      'https://github.com/actions/runner/releases/download/v2.330.0/actions-runner-osx-arm64-2.330.0.tar.gz',
    );
  });

  it('downloads the release once, runs run.sh in each runner’s own copy with the JIT config from the environment', async () => {
    const { provider, downloads, cacheDir, reports } = setup();
    const [first, second] = await Promise.all([
      provider.launch(pool, jitRequests(pool, ['ghr-linux-a']), signal()),
      provider.launch(pool, jitRequests(pool, ['ghr-linux-b']), signal()),
    ]);
    expect([...first!.failed, ...second!.failed]).toEqual([]);
    expect(downloads).toEqual([actionsRunnerReleaseUrl('2.400.0', platform)]);

    await until(() => existsSync(join(reports, 'ghr-linux-a.run')) && existsSync(join(reports, 'ghr-linux-b.run')));
    const report = readFileSync(join(reports, 'ghr-linux-a.run'), 'utf8');
    const workDir = join(dir, 'root', 'runners', first!.launched[0]!.providerId);
    expect(report.trim()).toBe(`jit=secret-jit-ghr-linux-a args= cwd=${workDir}`);

    const cached = join(cacheDir, 'actions-runner-linux-x64-2.400.0');
    expect(statSync(join(cached, 'run.sh')).isFile()).toBe(true);
    await provider.launch(pool, jitRequests(pool, ['ghr-linux-c']), signal());
    expect(downloads).toHaveLength(1);
  });

  it('lays the release out with hard links to the cache and keeps its symlinks', async () => {
    const { cacheDir } = setup();
    const workDir = join(dir, 'work');
    const download: RunnerDownload = async (_url, file) => copyFileSync(join(dir, 'release.tar.gz'), file);
    const factory = actionsRunnerCommand({ cacheDir, version: '2.400.0', platform, download, allowRunAsRoot: true });
    const command = await factory({ name: 'r', poolId: 'linux', labels: [], ephemeral: true, bootstrap: 'jit', workDir, signal: signal() });

    expect(command).toEqual({ file: join(workDir, 'run.sh'), env: { RUNNER_ALLOW_RUNASROOT: '1' } });
    const cached = join(cacheDir, 'actions-runner-linux-x64-2.400.0');
    expect(statSync(join(workDir, 'bin', 'Runner.Listener')).ino).toBe(statSync(join(cached, 'bin', 'Runner.Listener')).ino);
    expect(lstatSync(join(workDir, 'listener-link')).isSymbolicLink()).toBe(true);
  });

  it('configures a registration runner with config.sh (token from the environment) before run.sh', async () => {
    const { provider, reports } = setup();
    const request = {
      ...jitRequests(pool, ['ghr-linux-reg'])[0]!,
      bootstrap: { kind: 'registration' as const, url: 'https://github.com/acme', token: 'secret-token' },
    };
    const result = await provider.launch(pool, [request], signal());
    expect(result.failed).toEqual([]);
    await until(() => existsSync(join(reports, 'ghr-linux-reg.run')));
    expect(readFileSync(join(reports, 'ghr-linux-reg.config'), 'utf8').trim()).toBe(
      'config --unattended --replace --work _work --ephemeral url=https://github.com/acme token=secret-token',
    );
  });

  it('fails the launch as retryable when the download fails, caches nothing, and downloads again next time', async () => {
    let fail = true;
    const { provider, downloads, cacheDir } = setup({
      download: async (url, file) => {
        downloads.push(url);
        if (fail) throw new Error('connection reset');
        copyFileSync(join(dir, 'release.tar.gz'), file);
      },
    });
    const failed = await provider.launch(pool, jitRequests(pool, ['ghr-linux-a']), signal());
    expect(failed.failed).toEqual([expect.objectContaining({ name: 'ghr-linux-a', code: 'internal', retryable: true })]);
    expect(existsSync(join(cacheDir, 'actions-runner-linux-x64-2.400.0'))).toBe(false);

    fail = false;
    const ok = await provider.launch(pool, jitRequests(pool, ['ghr-linux-b']), signal());
    expect(ok.failed).toEqual([]);
    expect(downloads).toHaveLength(2);
  });

  it('finds the newest release and downloads it through the fetch option when no functions are given', async () => {
    const requested: string[] = [];
    const fakeFetch = (async (input: string | URL | Request) => {
      const url = String(input);
      requested.push(url);
      if (url.endsWith('/releases/latest')) return new Response(JSON.stringify({ tag_name: 'v2.402.0' }));
      return new Response(readFileSync(join(dir, 'release.tar.gz')));
    }) as typeof fetch;
    const { provider, reports } = setup({ version: undefined, download: undefined, fetch: fakeFetch });
    const result = await provider.launch(pool, jitRequests(pool, ['ghr-linux-f']), signal());

    expect(result.failed).toEqual([]);
    expect(requested).toEqual([
      'https://api.github.com/repos/actions/runner/releases/latest',
      actionsRunnerReleaseUrl('2.402.0', platform),
    ]);
    await until(() => existsSync(join(reports, 'ghr-linux-f.run')));
  });

  it('fails the launch, saying to pin a version, when GitHub does not name the newest release', async () => {
    const fakeFetch = (async () => new Response('{"message":"rate limited"}', { status: 403 })) as unknown as typeof fetch;
    const { provider } = setup({ version: undefined, download: undefined, fetch: fakeFetch });
    const result = await provider.launch(pool, jitRequests(pool, ['ghr-linux-g']), signal());
    expect(result.failed).toEqual([expect.objectContaining({ code: 'internal', retryable: true })]);
    expect(result.failed[0]!.message).toContain('pass `version`');
  });

  // Only observable where the tests run as root (as in CI here); elsewhere the refusal cannot happen.
  it.runIf(process.getuid?.() === 0)('refuses to start actions/runner as root unless allowed, saying what to do', async () => {
    const { provider, downloads } = setup({ allowRunAsRoot: false });
    const result = await provider.launch(pool, jitRequests(pool, ['ghr-linux-root']), signal());
    expect(result.failed).toEqual([expect.objectContaining({ code: 'invalid-config', retryable: false })]);
    expect(result.failed[0]!.message).toContain('allowRunAsRoot');
    expect(downloads).toEqual([]);
  });

  it('asks for the newest version once when none is pinned', async () => {
    const asked: number[] = [];
    const { provider, downloads } = setup({
      version: undefined,
      latestVersion: async () => {
        asked.push(1);
        return '2.401.0';
      },
    });
    await provider.launch(pool, jitRequests(pool, ['ghr-linux-a', 'ghr-linux-b']), signal());
    expect(asked).toHaveLength(1);
    expect(downloads).toEqual([actionsRunnerReleaseUrl('2.401.0', platform)]);
  });
});
