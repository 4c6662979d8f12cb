import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DescribeParametersCommand, GetParameterCommand, ListTagsForResourceCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { SsmRunnerSecrets, takeRunnerSecret } from '../src/ssm-handoff/runner-secrets.js';
import { runnerSecretShellSnippet } from '../src/ssm-handoff/shell-snippet.js';
import { resetMoto, testClients } from './setup/index.js';
import type { TestClients } from './setup/index.js';

const run = promisify(execFile);
const endpoint = inject('motoEndpoint');
const signal = () => AbortSignal.timeout(30_000);

let aws: TestClients;
beforeAll(() => {
  aws = testClients(endpoint);
});
afterAll(() => aws.destroy());
beforeEach(() => resetMoto(endpoint));

describe('SsmRunnerSecrets against moto', () => {
  it('writes a tagged Standard SecureString that the instance side reads once', async () => {
    // Arrange
    const secrets = new SsmRunnerSecrets({ ssm: aws.ssm, environment: 'test' });
    // Act
    const stored = await secrets.put(
      { runnerName: 'ghr-linux-1', poolId: 'linux', instanceId: 'i-0123456789abcdef0', bootstrap: { kind: 'jit', encodedJitConfig: 'eyJzZWNyZXQiOjF9' } },
      signal(),
    );
    // Assert
    expect(stored).toEqual({ parameterName: '/ghr/test/runners/ghr-linux-1', tier: 'Standard' });
    const raw = await aws.ssm.send(new GetParameterCommand({ Name: stored.parameterName }));
    expect(raw.Parameter?.Type).toBe('SecureString');
    expect(raw.Parameter?.Value).not.toBe('eyJzZWNyZXQiOjF9'); // not readable without decryption
    const tags = await aws.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: stored.parameterName }));
    expect(Object.fromEntries(tags.TagList!.map((t) => [t.Key, t.Value]))).toEqual({
      'ghr:environment': 'test',
      'ghr:pool': 'linux',
      'ghr:runner': 'ghr-linux-1',
      'ghr:instance-id': 'i-0123456789abcdef0',
    });
    expect(await takeRunnerSecret('ghr-linux-1', { environment: 'test', ssm: aws.ssm })).toEqual({
      kind: 'jit',
      encodedJitConfig: 'eyJzZWNyZXQiOjF9',
    });
    await expect(aws.ssm.send(new GetParameterCommand({ Name: stored.parameterName }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
  });

  it('uses the Advanced tier only for a value over 4 KB', async () => {
    const secrets = new SsmRunnerSecrets({ ssm: aws.ssm, environment: 'test' });
    const big = 'x'.repeat(5000);
    const stored = await secrets.put({ runnerName: 'big', poolId: 'linux', bootstrap: { kind: 'jit', encodedJitConfig: big } }, signal());
    expect(stored.tier).toBe('Advanced');
    const described = await aws.ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: [stored.parameterName] }] }));
    expect(described.Parameters?.[0]?.Tier).toBe('Advanced');
    expect(await takeRunnerSecret('big', { environment: 'test', ssm: aws.ssm })).toEqual({ kind: 'jit', encodedJitConfig: big });
  });

  it('overwrites the secret of a retried launch and keeps it tagged', async () => {
    const secrets = new SsmRunnerSecrets({ ssm: aws.ssm, environment: 'test' });
    await secrets.put({ runnerName: 'again', poolId: 'linux', bootstrap: { kind: 'jit', encodedJitConfig: 'first' } }, signal());
    await secrets.put({ runnerName: 'again', poolId: 'linux', instanceId: 'i-0aaaaaaaaaaaaaaaa', bootstrap: { kind: 'jit', encodedJitConfig: 'second' } }, signal());
    const tags = await aws.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/ghr/test/runners/again' }));
    expect(tags.TagList).toContainEqual({ Key: 'ghr:instance-id', Value: 'i-0aaaaaaaaaaaaaaaa' });
    expect(await takeRunnerSecret('again', { environment: 'test', ssm: aws.ssm })).toEqual({ kind: 'jit', encodedJitConfig: 'second' });
  });

  it('round-trips a registration token as a registration bootstrap', async () => {
    const secrets = new SsmRunnerSecrets({ ssm: aws.ssm, environment: 'test' });
    const bootstrap = { kind: 'registration' as const, url: 'https://github.com/acme', token: 'AABBCC', runnerGroup: 'ci' };
    await secrets.put({ runnerName: 'reg', poolId: 'linux', bootstrap }, signal());
    expect(await takeRunnerSecret('reg', { environment: 'test', ssm: aws.ssm })).toEqual(bootstrap);
  });

  it('deletes a secret, a missing one being success', async () => {
    const secrets = new SsmRunnerSecrets({ ssm: aws.ssm, environment: 'test' });
    await secrets.put({ runnerName: 'gone', poolId: 'linux', bootstrap: { kind: 'jit', encodedJitConfig: 'x' } }, signal());
    await secrets.delete('gone', signal());
    await secrets.delete('gone', signal());
    await expect(takeRunnerSecret('gone', { environment: 'test', ssm: aws.ssm })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('sweeps secrets older than the TTL under its prefix only', async () => {
    const now = { t: Date.now() };
    const clock = { now: () => now.t, sleep: () => Promise.resolve() };
    const secrets = new SsmRunnerSecrets({ ssm: aws.ssm, environment: 'test', ttlMs: 30 * 60_000, clock });
    for (let i = 0; i < 12; i += 1) {
      await secrets.put({ runnerName: `old-${i}`, poolId: 'linux', bootstrap: { kind: 'jit', encodedJitConfig: `v${i}` } }, signal());
    }
    await aws.ssm.send(new PutParameterCommand({ Name: '/ghr/other/runners/keep', Value: 'x', Type: 'SecureString' }));
    expect(await secrets.sweepExpired(signal())).toEqual([]); // nothing is 30 min old yet
    now.t += 31 * 60_000;
    const swept = await secrets.sweepExpired(signal());
    expect([...swept].sort()).toEqual(Array.from({ length: 12 }, (_, i) => `/ghr/test/runners/old-${i}`).sort());
    await expect(aws.ssm.send(new GetParameterCommand({ Name: '/ghr/other/runners/keep' }))).resolves.toBeDefined();
  });
});

describe('runnerSecretShellSnippet', () => {
  let dir: string;
  let imds: Server;
  let imdsUrl: string;
  const calls: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ghr-snippet-'));
    // A stand-in for the instance metadata service (IMDSv2: token first), serving region and the runner tag.
    imds = createServer((req, res) => {
      calls.push(`${req.method} ${req.url}`);
      if (req.method === 'PUT' && req.url === '/latest/api/token') return res.end('imds-token');
      if (req.headers['x-aws-ec2-metadata-token'] !== 'imds-token') return res.writeHead(401).end();
      if (req.url === '/latest/meta-data/placement/region') return res.end('us-east-1');
      if (req.url === '/latest/meta-data/tags/instance/ghr:runner') return res.end('ghr-linux-sh');
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => imds.listen(0, '127.0.0.1', resolve));
    const address = imds.address();
    imdsUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => imds.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  function script(): string {
    return ['#!/usr/bin/env bash', 'set -euo pipefail', runnerSecretShellSnippet({ environment: 'test' }), 'ghr_take_runner_secret', ''].join('\n');
  }

  it('passes shellcheck', async () => {
    const file = join(dir, 'user-data.sh');
    await writeFile(file, script());
    // shellcheck exits non-zero with findings on stdout; a missing shellcheck fails too (ENOENT).
    const result = await run('shellcheck', ['--shell=bash', '--severity=style', file]).then(
      (out) => ({ ok: true, findings: out.stdout }),
      (err: { stdout?: string; message: string }) => ({ ok: false, findings: err.stdout || err.message }),
    );
    expect(result).toEqual({ ok: true, findings: '' });
  });

  /** The environment the user-data snippet runs in: our stand-in IMDS, moto as the AWS endpoint, no polling delay. */
  const snippetEnv = (attempts: number): NodeJS.ProcessEnv => ({
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '',
    GHR_IMDS: imdsUrl,
    GHR_POLL_SECONDS: '0',
    GHR_POLL_ATTEMPTS: String(attempts),
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
  });

  it('reads the secret with the AWS CLI against moto, prints it and deletes it', async () => {
    // Arrange
    const secrets = new SsmRunnerSecrets({ ssm: aws.ssm, environment: 'test' });
    await secrets.put({ runnerName: 'ghr-linux-sh', poolId: 'linux', bootstrap: { kind: 'jit', encodedJitConfig: 'eyJqaXQiOiJzaCJ9' } }, signal());
    const file = join(dir, 'take.sh');
    await writeFile(file, script());
    // Act
    const { stdout } = await run('bash', [file], {
      timeout: 60_000,
      env: snippetEnv(3),
    });
    // Assert
    expect(stdout).toBe('eyJqaXQiOiJzaCJ9');
    expect(calls).toContain('GET /latest/meta-data/tags/instance/ghr:runner');
    await expect(aws.ssm.send(new GetParameterCommand({ Name: '/ghr/test/runners/ghr-linux-sh' }))).rejects.toMatchObject({
      name: 'ParameterNotFound',
    });
  });

  it('never shows the secret when the user data traces every command (set -x)', async () => {
    // Arrange: a real-shaped JIT config (base64 of `{".runner"...`)
    const jit = Buffer.from(JSON.stringify({ '.runner': 'r'.repeat(200), '.credentials': 'c' })).toString('base64');
    const secrets = new SsmRunnerSecrets({ ssm: aws.ssm, environment: 'test' });
    await secrets.put({ runnerName: 'ghr-linux-sh', poolId: 'linux', bootstrap: { kind: 'jit', encodedJitConfig: jit } }, signal());
    const file = join(dir, 'traced.sh');
    await writeFile(file, ['#!/usr/bin/env bash', 'set -euxo pipefail', runnerSecretShellSnippet({ environment: 'test' }), 'ghr_take_runner_secret >/dev/null', 'echo done', ''].join('\n'));
    // Act
    const { stdout, stderr } = await run('bash', [file], { timeout: 60_000, env: snippetEnv(3) });
    // Assert: tracing is back on after the function (the caller's `echo done` is traced), the secret is nowhere
    expect(stdout).toBe('done\n');
    expect(stderr).toContain('+ echo done');
    expect(stderr).not.toContain(jit);
  });

  it('starts run.sh with the JIT config in ACTIONS_RUNNER_INPUT_JITCONFIG, never as an argument', async () => {
    // Arrange: a fake runner that records its argv and that variable, and a sudo that resets the environment
    const jit = Buffer.from(JSON.stringify({ '.runner': 'x'.repeat(200) })).toString('base64');
    const secrets = new SsmRunnerSecrets({ ssm: aws.ssm, environment: 'test' });
    await secrets.put({ runnerName: 'ghr-linux-sh', poolId: 'linux', bootstrap: { kind: 'jit', encodedJitConfig: jit } }, signal());
    const runner = await mkdtemp(join(dir, 'runner-'));
    const bin = await mkdtemp(join(dir, 'bin-'));
    await writeFile(join(runner, 'run.sh'), `#!/usr/bin/env bash\nprintf '%s\\n' "$@" >'${runner}/argv'\nprintf '%s' "$ACTIONS_RUNNER_INPUT_JITCONFIG" >'${runner}/env'\n`, { mode: 0o755 });
    await writeFile(
      join(bin, 'sudo'),
      `#!/usr/bin/env bash\nprintf '%s\\n' "$*" >>'${runner}/sudo-argv'\nkeep=()\nwhile [ $# -gt 0 ]; do case "$1" in --preserve-env=*) v="\${1#--preserve-env=}"; keep+=("$v=\${!v}"); shift ;; -u) shift 2 ;; --) shift; break ;; *) break ;; esac; done\nexec env -i "PATH=$PATH" "\${keep[@]}" "$@"\n`,
      { mode: 0o755 },
    );
    const file = join(dir, 'start.sh');
    await writeFile(file, ['#!/usr/bin/env bash', 'set -euxo pipefail', runnerSecretShellSnippet({ environment: 'test' }), `ghr_start_runner '${runner}' runner`, ''].join('\n'));
    // Act
    const env = snippetEnv(3);
    const { stdout, stderr } = await run('bash', [file], { timeout: 60_000, env: { ...env, PATH: `${bin}:${env['PATH'] ?? ''}` } });
    // Assert
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(join(runner, 'env'), 'utf8')).toBe(jit);
    expect(await readFile(join(runner, 'argv'), 'utf8')).toBe('\n');
    expect(await readFile(join(runner, 'sudo-argv'), 'utf8')).not.toContain(jit);
    expect(stdout + stderr).not.toContain(jit);
  });

  it('gives up with a message when no secret appears', async () => {
    const file = join(dir, 'none.sh');
    await writeFile(file, script());
    const err = (await run('bash', [file], {
      timeout: 60_000,
      env: snippetEnv(1),
    }).catch((e: unknown) => e)) as { code?: number; stderr?: string };
    expect(err.code).toBe(1);
    expect(err.stderr).toContain('no bootstrap secret at /ghr/test/runners/ghr-linux-sh');
  });
});
