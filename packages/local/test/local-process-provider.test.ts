import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { poolFixture } from '@ghr/contracts';
import { ManualClock } from '@ghr/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { JIT_CONFIG_ENV } from '../src/index.js';
import { fakeRunnerSetup, jitRequests } from './fake-runner.js';

const signal = () => AbortSignal.timeout(20_000);
const pool = poolFixture('linux');

/** Whether a process with this pid exists (and is not a zombie). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function until(condition: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('LocalProcessProvider', () => {
  let setup: ReturnType<typeof fakeRunnerSetup>;
  const started: number[] = [];
  afterEach(() => {
    for (const pid of started.splice(0)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    setup?.cleanup();
  });
  const report = async (name: string) => {
    await until(() => existsSync(join(setup.reports, `${name}.json`)));
    const r = setup.report(name);
    started.push(r.pid);
    return r;
  };

  it('hands the JIT config to the runner in its environment only: not in argv, records or its own log', async () => {
    setup = fakeRunnerSetup('wait');
    const provider = setup.provider();
    const { launched } = await provider.launch(pool, jitRequests(pool, ['ghr-linux-a']), signal());
    const r = await report('ghr-linux-a');

    expect(r.jitConfig).toBe('secret-jit-ghr-linux-a');
    expect(r.argv).toEqual(['--fake']);
    expect(r.argv.join(' ')).not.toContain('secret');
    expect(readFileSync(`/proc/${r.pid}/cmdline`, 'utf8')).not.toContain('secret');
    const stateDir = join(setup.workRoot, 'state');
    for (const file of readdirSync(stateDir)) expect(readFileSync(join(stateDir, file), 'utf8')).not.toContain('secret');
    expect(r.cwd).toBe(join(setup.workRoot, 'runners', launched[0]!.providerId));
    expect(r.home).toBe(r.cwd);
  });

  it("does not pass the server's own environment to runners", async () => {
    setup = fakeRunnerSetup('wait');
    process.env['GHR_TEST_SERVER_SECRET'] = 'app-private-key';
    try {
      await setup.provider().launch(pool, jitRequests(pool, ['ghr-linux-env']), signal());
      const r = await report('ghr-linux-env');
      expect(r.envKeys).not.toContain('GHR_TEST_SERVER_SECRET');
      expect(r.envKeys).toEqual(
        expect.arrayContaining(['PATH', 'HOME', JIT_CONFIG_ENV, 'GHR_RUNNER_NAME', 'GHR_POOL_ID', 'GHR_RUNNER_LABELS']),
      );
    } finally {
      delete process.env['GHR_TEST_SERVER_SECRET'];
    }
  });

  it('passes a registration token in the environment, with URL, name and labels for config.sh', async () => {
    setup = fakeRunnerSetup('wait');
    const request = {
      ...jitRequests(pool, ['ghr-linux-reg'])[0]!,
      ephemeral: false,
      bootstrap: { kind: 'registration' as const, url: 'https://github.com/acme', token: 'secret-token', runnerGroup: 'ci' },
    };
    await setup.provider().launch(pool, [request], signal());
    const r = await report('ghr-linux-reg');
    expect(r.token).toBe('secret-token');
    expect(r.jitConfig).toBeUndefined();
    expect(r.envKeys).toEqual(
      expect.arrayContaining(['ACTIONS_RUNNER_INPUT_URL', 'ACTIONS_RUNNER_INPUT_NAME', 'ACTIONS_RUNNER_INPUT_LABELS', 'ACTIONS_RUNNER_INPUT_RUNNERGROUP']),
    );
  });

  it('fails runners past maxProcesses with a retryable capacity failure, and fits them once one ends', async () => {
    setup = fakeRunnerSetup('wait');
    const provider = setup.provider({ maxProcesses: 2 });
    const first = await provider.launch(pool, jitRequests(pool, ['r-1', 'r-2', 'r-3']), signal());

    expect(first.launched.map((l) => l.name)).toEqual(['r-1', 'r-2']);
    expect(first.failed).toEqual([expect.objectContaining({ name: 'r-3', code: 'capacity', retryable: true })]);
    for (const name of ['r-1', 'r-2']) await report(name);

    await provider.terminate([first.launched[0]!.providerId], signal());
    const second = await provider.launch(pool, jitRequests(pool, ['r-3', 'r-4']), signal());
    expect(second.launched.map((l) => l.name)).toEqual(['r-3']);
    expect(second.failed.map((f) => [f.name, f.code])).toEqual([['r-4', 'capacity']]);
    await report('r-3');
  });

  it('never passes maxProcesses under concurrent launch calls', async () => {
    setup = fakeRunnerSetup('wait');
    const provider = setup.provider({ maxProcesses: 3 });
    const results = await Promise.all(
      [0, 1, 2, 3].map((i) => provider.launch(pool, jitRequests(pool, [`c-${i}-a`, `c-${i}-b`]), signal())),
    );
    const launched = results.flatMap((r) => r.launched);
    expect(launched).toHaveLength(3);
    expect(results.flatMap((r) => r.failed).every((f) => f.code === 'capacity')).toBe(true);
    for (const l of launched) await report(l.name);
  });

  it('answers a second launch of a running name with the same process instead of starting another', async () => {
    setup = fakeRunnerSetup('wait');
    const provider = setup.provider();
    const first = await provider.launch(pool, jitRequests(pool, ['ghr-linux-once']), signal());
    await report('ghr-linux-once');
    const again = await provider.launch(pool, jitRequests(pool, ['ghr-linux-once', 'ghr-linux-new']), signal());
    await report('ghr-linux-new');

    expect(again.failed).toEqual([]);
    expect(again.launched.find((l) => l.name === 'ghr-linux-once')).toEqual(first.launched[0]);
    expect((await provider.list({}, signal())).map((i) => i.name).sort()).toEqual(['ghr-linux-new', 'ghr-linux-once']);
  });

  it('reports a command that cannot start as invalid-config, without the secret, and leaves no work directory', async () => {
    setup = fakeRunnerSetup('wait');
    const provider = setup.provider({ command: { file: join(setup.dir, 'no-such-runner') } });
    const result = await provider.launch(pool, jitRequests(pool, ['ghr-linux-x']), signal());

    expect(result.launched).toEqual([]);
    expect(result.failed).toEqual([expect.objectContaining({ name: 'ghr-linux-x', code: 'invalid-config', retryable: false })]);
    expect(result.failed[0]!.message).toContain('ENOENT');
    expect(result.failed[0]!.message).not.toContain('secret');
    expect(readdirSync(join(setup.workRoot, 'runners'))).toEqual([]);
    expect(await provider.list({}, signal())).toEqual([]);
  });

  it('lists a runner that exits by itself as terminated and removes its work directory', async () => {
    setup = fakeRunnerSetup('exit', { FAKE_RUNNER_MS: '100' });
    const provider = setup.provider();
    const { launched } = await provider.launch(pool, jitRequests(pool, ['ghr-linux-done']), signal());
    const workDir = join(setup.workRoot, 'runners', launched[0]!.providerId);
    const r = await report('ghr-linux-done');
    expect(existsSync(join(workDir, 'marker')) || !running(r.pid)).toBe(true);

    await until(async () => (await provider.list({}, signal()))[0]?.state === 'terminated');
    await until(() => !existsSync(workDir));
    const log = readFileSync(join(setup.workRoot, 'logs', 'ghr-linux-done.log'), 'utf8');
    expect(log).toContain('fake runner ghr-linux-done up');
  });

  it('forgets ended runners and their logs after the retention', async () => {
    setup = fakeRunnerSetup('wait');
    const clock = new ManualClock({ start: 1_000_000 });
    const provider = setup.provider({ clock, retention: 60_000 });
    const { launched } = await provider.launch(pool, jitRequests(pool, ['ghr-linux-old']), signal());
    await report('ghr-linux-old');
    await provider.terminate([launched[0]!.providerId], signal());
    expect((await provider.list({}, signal())).map((i) => i.state)).toEqual(['terminated']);

    await clock.advance(60_001);
    expect(await provider.list({}, signal())).toEqual([]);
    expect(readdirSync(join(setup.workRoot, 'state'))).toEqual([]);
    expect(existsSync(join(setup.workRoot, 'logs', 'ghr-linux-old.log'))).toBe(false);
  });

  it('terminates the whole process group: what the runner started goes with it', async () => {
    setup = fakeRunnerSetup('family');
    const provider = setup.provider({ terminateGrace: 5_000 });
    const { launched } = await provider.launch(pool, jitRequests(pool, ['ghr-linux-fam']), signal());
    const r = await report('ghr-linux-fam');
    expect(running(r.grandchildPid!)).toBe(true);

    const result = await provider.terminate([launched[0]!.providerId], signal());
    expect(result).toEqual({ terminated: [launched[0]!.providerId], failed: [] });
    expect(running(r.pid)).toBe(false);
    expect(running(r.grandchildPid!)).toBe(false); // it ignores SIGTERM: killed when its leader ended
    expect(existsSync(join(setup.workRoot, 'runners', launched[0]!.providerId))).toBe(false);
  });

  it('sends SIGKILL to a runner that ignores SIGTERM once the grace has passed', async () => {
    setup = fakeRunnerSetup('stubborn');
    const provider = setup.provider({ terminateGrace: 300 });
    const { launched } = await provider.launch(pool, jitRequests(pool, ['ghr-linux-stubborn']), signal());
    const r = await report('ghr-linux-stubborn');

    const started = Date.now();
    const result = await provider.terminate([launched[0]!.providerId], signal());
    expect(result.terminated).toEqual([launched[0]!.providerId]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(running(r.pid)).toBe(false);
    expect(readFileSync(join(setup.workRoot, 'logs', 'ghr-linux-stubborn.log'), 'utf8')).toContain('ignoring SIGTERM');
  });

  it('stops a runner that obeys SIGTERM without waiting for the grace', async () => {
    setup = fakeRunnerSetup('wait');
    const provider = setup.provider({ terminateGrace: 10_000 });
    const { launched } = await provider.launch(pool, jitRequests(pool, ['ghr-linux-quick']), signal());
    const r = await report('ghr-linux-quick');
    const started = Date.now();
    await provider.terminate([launched[0]!.providerId], signal());
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(running(r.pid)).toBe(false);
  });

  describe('after a restart of the provider', () => {
    it('lists the runners an earlier provider started, with their pool, name and launch time', async () => {
      setup = fakeRunnerSetup('wait');
      const first = setup.provider();
      const { launched } = await first.launch(pool, jitRequests(pool, ['ghr-linux-1', 'ghr-linux-2']), signal());
      for (const l of launched) await report(l.name);
      const before = await first.list({}, signal());

      const second = setup.provider();
      const after = await second.list({ poolIds: ['linux'] }, signal());
      expect(after).toEqual(before);
      expect(after.map((i) => [i.name, i.state]).sort()).toEqual([
        ['ghr-linux-1', 'running'],
        ['ghr-linux-2', 'running'],
      ]);
    });

    it('lists a runner that died meanwhile as terminated, removes its work directory, and terminates the others', async () => {
      setup = fakeRunnerSetup('wait');
      const { launched } = await setup.provider().launch(pool, jitRequests(pool, ['ghr-linux-dies', 'ghr-linux-lives']), signal());
      const dies = await report('ghr-linux-dies');
      const lives = await report('ghr-linux-lives');
      process.kill(dies.pid, 'SIGKILL');
      await until(() => !running(dies.pid));

      const second = setup.provider();
      const listed = await second.list({}, signal());
      expect(listed.map((i) => [i.name, i.state]).sort()).toEqual([
        ['ghr-linux-dies', 'terminated'],
        ['ghr-linux-lives', 'running'],
      ]);
      const diesId = launched.find((l) => l.name === 'ghr-linux-dies')!.providerId;
      expect(existsSync(join(setup.workRoot, 'runners', diesId))).toBe(false);

      const livesId = launched.find((l) => l.name === 'ghr-linux-lives')!.providerId;
      expect(await second.terminate([livesId], signal())).toEqual({ terminated: [livesId], failed: [] });
      expect(running(lives.pid)).toBe(false);
    });

    it('counts the runners of an earlier provider against maxProcesses', async () => {
      setup = fakeRunnerSetup('wait');
      await setup.provider({ maxProcesses: 1 }).launch(pool, jitRequests(pool, ['ghr-linux-held']), signal());
      await report('ghr-linux-held');
      const result = await setup.provider({ maxProcesses: 1 }).launch(pool, jitRequests(pool, ['ghr-linux-more']), signal());
      expect(result.failed.map((f) => f.code)).toEqual(['capacity']);
    });
  });
});
