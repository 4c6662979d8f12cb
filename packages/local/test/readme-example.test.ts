import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

const exampleUrl = new URL('../examples/one-machine.ts', import.meta.url);
const readmeUrl = new URL('../README.md', import.meta.url);

describe('README example', () => {
  it('is the file examples/one-machine.ts, word for word (without its lint directive)', () => {
    const example = readFileSync(exampleUrl, 'utf8').replace(/^\/\* eslint-disable[^\n]*\n/, '');
    expect(readFileSync(readmeUrl, 'utf8')).toContain(`\`\`\`ts\n${example}\`\`\``);
  });

  it('runs: one runner admitted, started, listed, terminated; the queue empty', { timeout: 20_000 }, async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const specifier = exampleUrl.href; // computed: tsc does not follow it; vitest resolves '@ghr/local' to sources
    await import(/* @vite-ignore */ specifier);
    expect(log.mock.calls).toEqual([
      ['alive in pool linux:', 1],
      ['processes:', ['ghr-linux-1 running']],
      ['after terminate:', ['ghr-linux-1 terminated']],
      ['queue:', { visible: 0, inFlight: 0, deadLetters: 0 }],
    ]);
  });
});
