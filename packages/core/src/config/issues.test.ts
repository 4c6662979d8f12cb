import { describe, expect, it } from 'vitest';
import { closest, formatPath } from './issues.js';
import { validateConfig } from './load.js';

const github = { auth: { kind: 'app', appId: 1, privateKey: { env: 'KEY' } }, webhookSecret: { env: 'SECRET' } };
const pool = { id: 'linux', labels: ['linux'], scope: { org: 'acme' }, maxRunners: 2 };

function messages(input: unknown): Record<string, string> {
  const result = validateConfig(input);
  return result.ok ? {} : Object.fromEntries(result.issues.map((i) => [i.path, i.message]));
}

describe('formatPath', () => {
  it('writes indices in brackets and quotes keys that are not identifiers', () => {
    expect(formatPath(['pools', 2, 'warm', 0, 'schedule'])).toBe('pools[2].warm[0].schedule');
    expect(formatPath(['pools', 0, 'max runners'])).toBe('pools[0]["max runners"]');
    expect(formatPath([])).toBe('');
  });
});

describe('closest', () => {
  it('suggests a near key and nothing for a far one', () => {
    expect(closest('maxrunner', ['maxRunners', 'labels'])).toBe('maxRunners');
    expect(closest('IDLETIMEOUT', ['idleTimeout'])).toBe('idleTimeout');
    expect(closest('colour', ['maxRunners', 'labels'])).toBeUndefined();
  });
});

describe('issue messages', () => {
  it('describe what was received, shortly', () => {
    const found = messages({
      github,
      pools: [
        { ...pool, ephemeral: 'yes', scope: null, labels: { linux: true }, priority: 'x'.repeat(80) },
        { ...pool, id: 'b', ephemeral: ['true'], 'max runners': 3 },
      ],
    });
    expect(found).toMatchObject({
      'pools[0].ephemeral': 'expected true or false, got "yes"',
      'pools[0].scope': 'expected a mapping (key: value), got null (an empty value)',
      'pools[0].labels': 'expected a list, got a mapping',
      'pools[0].priority': `expected a number, got "${'x'.repeat(57)}..."`,
      'pools[1].ephemeral': 'expected true or false, got a list',
      'pools[1]["max runners"]': 'unknown key; did you mean "maxRunners"?',
    });
  });

  it('say what lengths and sizes are allowed', () => {
    const found = messages({
      github,
      pools: [{ ...pool, labels: ['x'.repeat(257)], scope: { org: 'acme', runnerGroup: '' } }, { ...pool, id: 'b', labels: Array.from({ length: 101 }, (_, i) => `l${i}`) }],
    });
    expect(found).toMatchObject({
      'pools[0].labels[0]': 'is longer than 256 characters',
      'pools[0].scope.runnerGroup': 'cannot be empty',
      'pools[1].labels': 'GitHub accepts at most 100 labels per runner',
    });
  });

  it('never show the value of a secret field', () => {
    const found = messages({ github: { ...github, webhookSecret: { ssm: 12345 } }, pools: [pool] });
    expect(found['github.webhookSecret.ssm']).toBe('expected text, got a value (not shown: it may be a secret)');
  });

  it('explain missing fields of the chosen auth kind', () => {
    const found = messages({ github: { ...github, auth: { kind: 'app' } }, pools: [pool] });
    expect(found['github.auth.appId']).toMatch(/^is required: The GitHub App's id/);
    expect(found['github.auth.privateKey']).toMatch(/^is required: Where the App's private key/);
  });

  it('explain a config whose pools is not a list', () => {
    expect(messages({ github, pools: 'linux' })).toEqual({ pools: 'expected a list, got "linux"; write a list, e.g. [linux]' });
  });
});
