import { describe, expect, it } from 'vitest';
import { GhrError } from '../errors.js';
import { githubApiUrl, insecureGitHubUrl, runnerRegistrationUrl } from './github-url.js';

describe('githubApiUrl', () => {
  it.each([
    ['https://github.com', 'https://api.github.com'],
    ['https://github.com/', 'https://api.github.com'],
    ['https://www.github.com', 'https://api.github.com'],
    ['https://api.github.com', 'https://api.github.com'],
    ['https://octo.ghe.com', 'https://api.octo.ghe.com'],
    ['https://Octo.GHE.com/', 'https://api.octo.ghe.com'],
    ['https://api.octo.ghe.com', 'https://api.octo.ghe.com'],
    ['https://ghe.example.com', 'https://ghe.example.com/api/v3'],
    ['https://ghe.example.com/', 'https://ghe.example.com/api/v3'],
    ['https://ghe.example.com:8443', 'https://ghe.example.com:8443/api/v3'],
    ['https://ghe.example.com/api/v3', 'https://ghe.example.com/api/v3'],
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000/api/v3'],
  ])('derives the API of %s as %s', (url, api) => {
    expect(githubApiUrl(url)).toBe(api);
  });

  it('throws an invalid-config GhrError for what is not an http(s) URL', () => {
    expect(() => githubApiUrl('github.com')).toThrow(GhrError);
    expect(() => githubApiUrl('ftp://github.com')).toThrow(/not an http\(s\) URL/);
    try {
      githubApiUrl('nope');
    } catch (error) {
      expect((error as GhrError).code).toBe('invalid-config');
    }
  });
});

describe('runnerRegistrationUrl', () => {
  it('builds config.sh URLs for each scope and host kind, from web or API URLs', () => {
    expect(runnerRegistrationUrl('https://github.com', { kind: 'org', org: 'acme' })).toBe('https://github.com/acme');
    expect(runnerRegistrationUrl('https://api.github.com', { kind: 'repo', owner: 'o', repo: 'r' })).toBe('https://github.com/o/r');
    expect(runnerRegistrationUrl('https://ghe.example.com/api/v3', { kind: 'enterprise', enterprise: 'big' })).toBe(
      'https://ghe.example.com/enterprises/big',
    );
    expect(runnerRegistrationUrl('https://api.acme.ghe.com', { kind: 'org', org: 'x' })).toBe('https://acme.ghe.com/x');
    expect(runnerRegistrationUrl('https://acme.ghe.com', { kind: 'org', org: 'x' })).toBe('https://acme.ghe.com/x');
  });

  it('rejects what is not an http(s) URL with a config error', () => {
    expect(() => runnerRegistrationUrl('github.com', { kind: 'org', org: 'x' })).toThrow(
      expect.objectContaining({ code: 'invalid-config' }),
    );
    expect(() => runnerRegistrationUrl('ftp://github.com', { kind: 'org', org: 'x' })).toThrow(/not an http\(s\) URL/);
  });
});

describe('insecureGitHubUrl', () => {
  it.each(['https://github.com', 'https://ghe.example.com/api/v3', 'http://127.0.0.1:3000', 'http://127.1.2.3', 'http://localhost:8080/api/v3', 'http://[::1]:9000'])(
    'lets credentials go to %s',
    (url) => {
      expect(insecureGitHubUrl(url)).toBeUndefined();
    },
  );

  it.each(['http://ghe.example.com', 'http://api.github.com', 'http://127.0.0.1.nip.io', 'http://10.0.0.1/api/v3', 'ftp://127.0.0.1', 'nope'])(
    'refuses %s',
    (url) => {
      expect(insecureGitHubUrl(url)).toMatch(/must use https|is not a URL/);
    },
  );
});
