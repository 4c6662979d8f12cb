// The README's example must run as written: this test extracts its first ```ts block and runs it against the
// package sources.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

describe('README example', () => {
  it('starts the server, queues a job and prints the signed webhook', async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const names: string[] = [];
    const values: unknown[] = [];
    const body = await replaceAsync(block, /^import \{([^}]+)\} from '([^']+)';$/gm, async (_, list: string, spec: string) => {
      const module = (spec === '@ghr/sim' ? await import('../src/index.js') : await import(spec)) as Record<string, unknown>;
      for (const name of list.split(',').map((n) => n.trim())) {
        names.push(name);
        values.push(module[name]);
      }
      return '';
    });
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (Array.isArray(a) ? `[${a.join(',')}]` : String(a))).join(' '));
    });
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
    await new AsyncFunction(...names, body)(...values);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^workflow_job queued \[self-hosted,linux\] sha256=[0-9a-f]{64}$/);
  }, 30_000);
});

async function replaceAsync(text: string, pattern: RegExp, replace: (...groups: string[]) => Promise<string>): Promise<string> {
  const parts: Promise<string>[] = [];
  text.replace(pattern, (...match: string[]) => {
    parts.push(replace(...match));
    return '';
  });
  const replacements = await Promise.all(parts);
  let index = 0;
  return text.replace(pattern, () => replacements[index++] ?? '');
}
