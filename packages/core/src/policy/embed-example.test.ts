import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

const exampleUrl = new URL('../../examples/embed-plan.ts', import.meta.url);
const readmeUrl = new URL('../../README.md', import.meta.url);

describe('README "Embedding the policy" example', () => {
  it('is the file examples/embed-plan.ts, word for word (without its lint directive)', () => {
    const example = readFileSync(exampleUrl, 'utf8').replace(/^\/\* eslint-disable[^\n]*\n/, '');
    const readme = readFileSync(readmeUrl, 'utf8');
    const section = readme.slice(readme.indexOf('## Embedding the policy'));
    expect(section).toContain(`\`\`\`ts\n${example}\`\`\``);
  });

  it('runs and prints the launch it promises', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    // A computed specifier: tsc does not follow it (the example imports '@ghr/core' by name, which vitest
    // resolves to this package's sources).
    const specifier = exampleUrl.href;
    await import(/* @vite-ignore */ specifier);
    expect(log).toHaveBeenCalledWith('linux-x64: launch 4', {
      queued: 3,
      warm: 2,
      want: 5,
      covered: 1,
      alive: 1,
      maxRunners: 10,
      capped: false,
    });
  });
});
