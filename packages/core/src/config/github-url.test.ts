import { describe, expect, it } from 'vitest';
import { GhrError } from '../errors.js';
import { githubApiUrl } from './github-url.js';

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
