import { describe, expect, it } from 'vitest';
import { GitHubError } from './errors.js';
import { apiBaseUrl, runnerRegistrationUrl } from './urls.js';

describe('apiBaseUrl', () => {
  it.each([
    ['https://github.com', 'https://api.github.com'],
    ['https://github.com/', 'https://api.github.com'],
    ['https://api.github.com', 'https://api.github.com'],
    ['https://ghe.example.com', 'https://ghe.example.com/api/v3'],
    ['https://ghe.example.com/', 'https://ghe.example.com/api/v3'],
    ['https://ghe.example.com/api/v3', 'https://ghe.example.com/api/v3'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/api/v3'],
    ['https://acme.ghe.com', 'https://api.acme.ghe.com'],
    ['https://api.acme.ghe.com', 'https://api.acme.ghe.com'],
  ])('maps %s to %s', (web, api) => {
    expect(apiBaseUrl(web)).toBe(api);
  });

  it('rejects what is not an http(s) URL with a config error', () => {
    expect(() => apiBaseUrl('github.com')).toThrow(GitHubError);
    expect(() => apiBaseUrl('ftp://github.com')).toThrow(/not an http\(s\) URL/);
  });
});

describe('runnerRegistrationUrl', () => {
  it('builds config.sh URLs for each scope and host kind', () => {
    expect(runnerRegistrationUrl('https://github.com', { kind: 'org', org: 'acme' })).toBe('https://github.com/acme');
    expect(runnerRegistrationUrl('https://api.github.com', { kind: 'repo', owner: 'o', repo: 'r' })).toBe('https://github.com/o/r');
    expect(runnerRegistrationUrl('https://ghe.example.com/api/v3', { kind: 'enterprise', enterprise: 'big' })).toBe(
      'https://ghe.example.com/enterprises/big',
    );
    expect(runnerRegistrationUrl('https://api.acme.ghe.com', { kind: 'org', org: 'x' })).toBe('https://acme.ghe.com/x');
  });
});
