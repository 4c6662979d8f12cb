import { describe, expect, it } from 'vitest';
import { GitHubError } from './errors.js';
import { runnerRegistrationUrl } from './urls.js';

describe('runnerRegistrationUrl', () => {
  it('builds config.sh URLs for each scope and host kind', () => {
    expect(runnerRegistrationUrl('https://github.com', { kind: 'org', org: 'acme' })).toBe('https://github.com/acme');
    expect(runnerRegistrationUrl('https://api.github.com', { kind: 'repo', owner: 'o', repo: 'r' })).toBe('https://github.com/o/r');
    expect(runnerRegistrationUrl('https://ghe.example.com/api/v3', { kind: 'enterprise', enterprise: 'big' })).toBe(
      'https://ghe.example.com/enterprises/big',
    );
    expect(runnerRegistrationUrl('https://api.acme.ghe.com', { kind: 'org', org: 'x' })).toBe('https://acme.ghe.com/x');
  });

  it('rejects what is not an http(s) URL with a config error', () => {
    expect(() => runnerRegistrationUrl('github.com', { kind: 'org', org: 'x' })).toThrow(GitHubError);
  });
});
