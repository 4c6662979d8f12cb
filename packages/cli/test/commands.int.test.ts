// `ghr doctor`, `ghr serve` and `ghr status` as a person runs them: a config file with secret references, against
// the simulated GitHub over HTTP.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulatedGitHub } from '@ghr/sim';
import type { SimulatedGitHub } from '@ghr/sim';
import { stubRunnerPath } from '../src/demo/runner-program.js';
import type { CliIo } from '../src/io.js';
import { main } from '../src/main.js';

const SECRET = 'a-long-webhook-secret-for-the-cli-tests';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function capture(): CliIo & { out: string; err: string } {
  const io = { out: '', err: '', stderrIsTty: false, stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}

async function setup(extraPool = '') {
  const dir = mkdtempSync(join(tmpdir(), 'ghr-cli-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const github: SimulatedGitHub = await startSimulatedGitHub({ webhookSecret: SECRET });
  cleanups.push(() => github.close());
  github.model.createOrg({ login: 'acme' });
  github.model.createRepo({ owner: 'acme', name: 'web' });
  github.model.createInstallation({ account: 'acme' });
  github.model.createOrg({ login: 'other' });
  writeFileSync(join(dir, 'app.pem'), github.app.privateKey ?? '');
  const config = join(dir, 'ghr.config.yaml');
  writeFileSync(
    config,
    `github:
  url: ${github.url}
  apiUrl: ${github.apiUrl}
  auth: { kind: app, appId: ${github.app.id}, privateKey: { file: ${join(dir, 'app.pem')} } }
  webhookSecret: { env: GHR_TEST_WEBHOOK_SECRET }
pools:
  - id: linux
    labels: [self-hosted, linux]
    scope: { org: acme }
    maxRunners: 4
    idleTimeout: 30s
${extraPool}`,
  );
  return { dir, github, config, env: { GHR_TEST_WEBHOOK_SECRET: SECRET } };
}

describe('ghr doctor', () => {
  it('passes every check of a working setup, and names the fix for a scope the App is not installed on', async () => {
    // Arrange
    const good = await setup();
    // Act
    const io = capture();
    const code = await main(['doctor', '--config', good.config, '--state-dir', join(good.dir, 'state'), '--runner-command', stubRunnerPath(), '--json'], io, { env: good.env });
    // Assert
    const report = JSON.parse(io.out) as { ok: boolean; checks: { name: string; ok: boolean; fix?: string }[] };
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(code).toBe(0);
    expect(report.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['config', 'webhook secret', 'App authentication and webhook deliveries', 'runner permissions for org/acme', 'runner provider (local processes)']));

    const bad = await setup('  - id: other\n    labels: [self-hosted, other]\n    scope: { org: other }\n    maxRunners: 1\n');
    const text = capture();
    expect(await main(['doctor', '--config', bad.config, '--state-dir', join(bad.dir, 'state')], text, { env: {} })).toBe(1);
    expect(text.out).toContain('✘ webhook secret');
    expect(text.out).toContain('GHR_TEST_WEBHOOK_SECRET');
    expect(text.out).toContain('✘ runner permissions for org/other');
    expect(text.out).toContain('→ install the App on other');
    expect(text.out).toContain('✔ runner permissions for org/acme');
  }, 60_000);
});

describe('ghr serve and ghr status from a config file', () => {
  it('serves jobs from signed webhooks with the given runner command, stops on request, and status reads what is left', async () => {
    // Arrange
    const w = await setup();
    const state = join(w.dir, 'state');
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const io = capture();
    // Act: serve on a free port; point the simulated GitHub's webhook at it once it says where it listens.
    const serving = main(['serve', '--config', w.config, '--state-dir', state, '--port', '0', '--sweep-interval', '1s', '--listing-interval', '1s', '--runner-command', stubRunnerPath()], io, { env: w.env, waitForStop: () => stopped });
    let url: string | undefined;
    for (let i = 0; i < 100 && url === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      url = /point the GitHub App's webhook URL at (\S+) /.exec(io.err)?.[1];
    }
    expect(url, io.err).toBeDefined();
    await w.github.control.setWebhook({ url: url ?? '', secret: SECRET });
    const jobs = Array.from({ length: 3 }, () => w.github.model.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'linux'], durationMs: 500 }));
    const end = Date.now() + 45_000;
    while (Date.now() < end && !jobs.every((j) => w.github.model.job(j.id)?.status === 'completed')) await new Promise((resolve) => setTimeout(resolve, 200));
    await w.github.flushWebhooks();
    // `ghr status` reads the same state directory while serve runs: wait until serve has taken in every event.
    let live: { pools: { queuedJobs: number; runners: Record<string, number> }[] } | undefined;
    while (Date.now() < end) {
      const peek = capture();
      await main(['status', '--config', w.config, '--state-dir', state, '--offline', '--json'], peek, { env: w.env });
      live = JSON.parse(peek.out) as typeof live;
      if (live?.pools.every((p) => p.queuedJobs === 0 && Object.keys(p.runners).length === 0)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    stop();
    const code = await serving;
    // Assert
    expect(code).toBe(0);
    expect(live?.pools).toEqual([expect.objectContaining({ queuedJobs: 0, runners: {} })]);
    expect(jobs.map((j) => w.github.model.job(j.id)?.conclusion)).toEqual(['success', 'success', 'success']);
    expect(io.err).toContain('ghr serve stopped');
    const status = capture();
    expect(await main(['status', '--config', w.config, '--state-dir', state, '--json'], status, { env: w.env })).toBe(0);
    const report = JSON.parse(status.out) as { pools: { id: string; queuedJobs: number }[]; queue: { visible: number; inFlight: number; deadLetters: number }; github: { ok: boolean; rateLimit?: { remaining: number } } };
    expect(report.pools).toEqual([expect.objectContaining({ id: 'linux', queuedJobs: 0 })]);
    // Stopped gracefully: nothing in flight or dead; events that arrived during the stop wait for the next start.
    expect(report.queue).toMatchObject({ inFlight: 0, deadLetters: 0 });
    expect(report.github.ok).toBe(true);
    expect(report.github.rateLimit?.remaining).toBeGreaterThan(0);
  }, 90_000);
});
