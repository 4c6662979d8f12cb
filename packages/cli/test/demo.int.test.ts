// `ghr demo` end to end: the simulated GitHub, `ghr serve` and stub runner processes on this machine.
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../src/io.js';
import { main } from '../src/main.js';

describe('ghr demo', () => {
  it('serves a small burst with runner processes and reports the figures of ghr simulate, nothing left over', async () => {
    // Arrange
    const io: CliIo & { out: string; err: string } = { out: '', err: '', stderrIsTty: false, stdout: (t) => void (io.out += t), stderr: (t) => void (io.err += t) };
    // Act
    const code = await main(['demo', '--size', '8', '--speed', '120', '--max-runners', '3', '--timeout', '80', '--json'], io);
    // Assert
    const result = JSON.parse(io.out) as Record<string, unknown> & { jobs: { served: number }; violations: Record<string, number>; settled: boolean };
    expect(Object.keys(result)).toEqual(expect.arrayContaining(['jobs', 'waitSeconds', 'runnerSeconds', 'runnersLaunched', 'githubApiCalls', 'cloudApiCalls', 'violations']));
    expect(result.jobs).toMatchObject({ total: 8, served: 8, unserved: 0 });
    expect(result.violations).toEqual({ maxRunnersExceeded: 0, busyRunnerTerminated: 0, orphansLeft: 0, jobsLost: 0 });
    expect(result.settled).toBe(true);
    expect(code).toBe(0);
  }, 120_000);

  it('exits 2 for a bad option', async () => {
    const io: CliIo & { out: string; err: string } = { out: '', err: '', stderrIsTty: false, stdout: (t) => void (io.out += t), stderr: (t) => void (io.err += t) };
    expect(await main(['demo', '--speed', 'fast'], io)).toBe(2);
    expect(io.err).toContain('--speed');
  });
});
