import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';
import type { CliIo } from './io.js';

const example = fileURLToPath(new URL('../../../examples/ghr.config.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ghr-cli-'));

function capture(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stderrIsTty: false,
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
  };
  return io;
}

describe('ghr simulate', () => {
  it('prints exactly one JSON object with --json', async () => {
    // Arrange
    const io = capture();
    // Act
    const code = await main(['simulate', '--config', example, '--trace', 'burst', '--size', '20', '--seed', '3', '--json'], io);
    // Assert
    expect(code).toBe(0);
    const lines = io.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(result.policy).toBe('ghr');
    expect(result.seed).toBe(3);
    expect(result.jobs).toMatchObject({ total: 20 });
    expect(Object.keys(result.violations as object)).toEqual(['maxRunnersExceeded', 'busyRunnerTerminated', 'orphansLeft', 'jobsLost']);
  });

  it('prints a readable summary and a terminal chart, and writes an SVG chart', async () => {
    const io = capture();
    const chart = join(dir, 'chart.svg');
    const code = await main(
      ['simulate', '--config', example, '--trace', 'cancellations', '--size', '20', '--policy', 'baseline', '--chaos', 'flaky', '--chart', chart],
      io,
    );
    expect(code).toBe(0);
    expect(io.out).toContain('policy baseline, trace cancellations, chaos flaky');
    expect(io.out).toContain('violations');
    expect(io.out).toContain('▪ queued jobs');
    expect(readFileSync(chart, 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
  });

  it('runs a trace file', async () => {
    const trace = join(dir, 'trace.json');
    writeFileSync(trace, JSON.stringify({ jobs: [{ at: 5, repo: 'acme/web', labels: ['self-hosted', 'linux', 'x64'], duration: 60 }] }));
    const io = capture();
    expect(await main(['simulate', '--config', example, '--trace', trace, '--json'], io)).toBe(0);
    expect(JSON.parse(io.out).jobs).toEqual({ total: 1, served: 1, unserved: 0, cancelled: 0 });
  });

  it('reads chaos knobs from a file', async () => {
    const chaos = join(dir, 'chaos.json');
    writeFileSync(chaos, JSON.stringify({ preset: 'flaky', webhookLoss: 0.3 }));
    const io = capture();
    expect(await main(['simulate', '--config', example, '--trace', 'mixed-labels', '--size', '20', '--chaos', chaos, '--json'], io)).toBe(0);
    expect(JSON.parse(io.out).jobs.total).toBe(20);
    const bad = join(dir, 'bad-chaos.json');
    writeFileSync(bad, JSON.stringify({ webhookLoss: 3 }));
    const io2 = capture();
    expect(await main(['simulate', '--config', example, '--trace', 'burst', '--chaos', bad], io2)).toBe(2);
    expect(io2.err).toContain('webhookLoss');
  });

  it('exits 2 with a clear message for a bad trace', async () => {
    const trace = join(dir, 'bad-trace.json');
    writeFileSync(trace, JSON.stringify({ jobs: [{ at: -1, repo: 'web', labels: [], duration: 1 }] }));
    const io = capture();
    expect(await main(['simulate', '--config', example, '--trace', trace], io)).toBe(2);
    expect(io.err).toContain('jobs[0].at');
    expect(io.err).toContain('jobs[0].repo');
    expect(io.out).toBe('');
  });

  it('exits 2 with the config errors for a bad config', async () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, 'github: {}\npools: []\n');
    const io = capture();
    expect(await main(['simulate', '--config', config, '--trace', 'burst'], io)).toBe(2);
    expect(io.err).toMatch(/Invalid ghr config/);
  });

  it('exits 2 for a missing file, an unknown generator, a bad option or a bad chaos preset', async () => {
    const cases = [
      ['simulate', '--config', join(dir, 'nope.yaml'), '--trace', 'burst'],
      ['simulate', '--config', example, '--trace', 'bursty'],
      ['simulate', '--config', example, '--trace', 'burst', '--policy', 'magic'],
      ['simulate', '--config', example, '--trace', 'burst', '--seed', 'x'],
      ['simulate', '--config', example, '--trace', 'burst', '--chaos', 'evil'],
      ['simulate', '--trace', 'burst'],
      ['simulate', '--config', example, '--trace', 'burst', '--frobnicate'],
    ];
    for (const argv of cases) {
      const io = capture();
      expect(await main(argv, io), argv.join(' ')).toBe(2);
      expect(io.err.length).toBeGreaterThan(0);
    }
  });

  it('prints help and rejects unknown commands', async () => {
    const help = capture();
    expect(await main(['simulate', '--help'], help)).toBe(0);
    expect(help.out).toContain('Usage: ghr simulate');
    const unknown = capture();
    expect(await main(['frob'], unknown)).toBe(2);
    expect(unknown.err).toContain('unknown command');
  });
});

describe('ghr config, help and exit codes', () => {
  it('checks a config file: 0 and its pools for a good one, 2 and every problem for a bad one', async () => {
    const good = capture();
    expect(await main(['config', 'check', example], good)).toBe(0);
    expect(good.out).toContain('✔');
    expect(good.out).toContain('linux-large');
    const json = capture();
    expect(await main(['config', 'check', example, '--json'], json)).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, pools: [{ id: 'linux-small' }, { id: 'linux-large' }] });
    const bad = join(dir, 'bad-check.yaml');
    writeFileSync(bad, 'github: {}\npools: []\n');
    const io = capture();
    expect(await main(['config', 'check', bad, '--json'], io)).toBe(2);
    expect(JSON.parse(io.out).ok).toBe(false);
  });

  it('prints the config JSON Schema', async () => {
    const io = capture();
    expect(await main(['config', 'schema'], io)).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ title: 'ghr configuration' });
  });

  it('has --help on every command, naming the exit codes, and answers 2 to no command', async () => {
    for (const command of [['serve'], ['demo'], ['simulate'], ['status'], ['doctor'], ['config', 'check'], ['config', 'schema']]) {
      const io = capture();
      expect(await main([...command, '--help'], io), command.join(' ')).toBe(0);
      expect(io.out).toContain(`Usage: ghr ${command.join(' ')}`);
      expect(io.out).toContain('Exit codes:');
    }
    const none = capture();
    expect(await main([], none)).toBe(2);
    expect(none.out).toContain('Commands:');
  });

  it('answers 2 to a serve or doctor without a config, and doctor reports a bad config with ✘', async () => {
    const serve = capture();
    expect(await main(['serve'], serve)).toBe(2);
    const doctor = capture();
    const bad = join(dir, 'bad-doctor.yaml');
    writeFileSync(bad, 'pools: 3\n');
    expect(await main(['doctor', '--config', bad], doctor)).toBe(1);
    expect(doctor.out).toContain('✘ config');
    expect(doctor.out).toContain('→');
  });
});
