// `cdk synth` of the reference app from examples/ghr.config.yaml, offline (no AWS credentials), with the real
// Lambda bundles of apps/lambdas; then cfn-lint on the template. cdk-nag runs inside the synth (main.ts).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fixtureBundles } from './fixtures.js';

const run = promisify(execFile);
const APP = resolve(import.meta.dirname, '..');
const BUNDLES = resolve(APP, '../lambdas/dist');
const EXAMPLE = resolve(APP, '../../examples/ghr.config.yaml');
const HANDLERS = ['webhook', 'scale-up', 'reconcile', 'termination-watcher', 'binaries-syncer'];
const haveBundles = HANDLERS.every((h) => existsSync(join(BUNDLES, h, 'index.mjs')));

/** Runs `cdk synth` into a temporary cloud assembly; returns the stack template. */
async function synth(bundles: string): Promise<{ template: Record<string, unknown>; out: string }> {
  const out = mkdtempSync(join(tmpdir(), 'ghr-cdk-out-'));
  const cdk = join(APP, 'node_modules', '.bin', 'cdk');
  await run(cdk, ['synth', '--no-notices', '--quiet', '--output', out, '-c', `config=${EXAMPLE}`, '-c', 'environment=example', '-c', `lambdaCode=${bundles}`], {
    cwd: APP,
    timeout: 300_000,
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', CDK_DISABLE_CLI_TELEMETRY: 'true', CI: 'true' },
  });
  const file = readdirSync(out).find((f) => f.endsWith('.template.json') && f.startsWith('ghr-example'))!;
  return { template: JSON.parse(readFileSync(join(out, file), 'utf8')) as Record<string, unknown>, out: join(out, file) };
}

async function cfnLint(file: string): Promise<{ ok: boolean; output: string }> {
  return run('cfn-lint', ['--non-zero-exit-code', 'error', file]).then(
    () => ({ ok: true, output: '' }),
    (err: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
  );
}

describe('cdk synth of apps/deploy', () => {
  it('synthesizes the example config offline through the CDK CLI with stand-in bundles, cdk-nag and cfn-lint clean', async () => {
    const { template, out } = await synth(fixtureBundles());
    const types = Object.values(template['Resources'] as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((t) => t === 'AWS::EC2::LaunchTemplate')).toHaveLength(2);
    expect(types).toContain('AWS::EC2::FlowLog');
    expect(await cfnLint(out)).toEqual({ ok: true, output: '' });
    rmSync(resolve(out, '..'), { recursive: true, force: true });
  });

  // The real bundles come from apps/lambdas' build; without them there is nothing real to synthesize.
  it.skipIf(!haveBundles)('synthesizes the example config offline with the real Lambda bundles, cdk-nag clean, cfn-lint clean', async () => {
    const { template, out } = await synth(BUNDLES);
    const resources = Object.values(template['Resources'] as Record<string, { Type: string }>);
    expect(resources.filter((r) => r.Type === 'AWS::Lambda::Function').length).toBeGreaterThanOrEqual(HANDLERS.length);
    expect(await cfnLint(out)).toEqual({ ok: true, output: '' });
    rmSync(resolve(out, '..'), { recursive: true, force: true });
  });
});
