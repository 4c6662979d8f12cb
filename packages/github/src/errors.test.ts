import { GhrError } from '@ghr/core';
import { describe, expect, it } from 'vitest';
import { GitHubError, redact, retryAfterOf, toGitHubError } from './errors.js';

const NOW = 1_700_000_000_000;

// Shaped like Octokit's RequestError (which keeps the request, headers included).
class RequestError extends Error {
  override readonly name = 'HttpError';
  constructor(
    message: string,
    readonly status: number,
    readonly options: { request: Record<string, unknown>; response?: Record<string, unknown> },
  ) {
    super(message);
  }
  get request() {
    return this.options.request;
  }
  get response() {
    return this.options.response;
  }
}

function requestError(status: number, message: string, headers: Record<string, string> = {}): RequestError {
  return new RequestError(message, status, {
    request: {
      method: 'POST',
      url: 'https://api.github.com/orgs/acme/actions/runners/generate-jitconfig?access_token=ghs_secretsecret',
      headers: { authorization: 'token ghs_abcdefghijklmnop1234' },
    },
    response: { status, url: '', headers, data: { message } },
  });
}

describe('toGitHubError', () => {
  it.each([
    [401, 'Bad credentials', 'unauthorized', false, {}],
    [403, 'Resource not accessible by integration', 'unauthorized', false, {}],
    [403, 'API rate limit exceeded', 'throttled', true, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 30) }],
    [403, 'You have exceeded a secondary rate limit', 'throttled', true, { 'retry-after': '7' }],
    [429, 'Too many requests', 'throttled', true, {}],
    [404, 'Not Found', 'not-found', false, {}],
    [409, 'Already exists', 'conflict', false, {}],
    [422, 'Validation Failed', 'invalid-input', false, {}],
    [502, 'Bad Gateway', 'unavailable', true, {}],
    [418, 'teapot', 'internal', false, {}],
  ] as const)('maps %i "%s" to %s (retryable: %s)', (status, message, code, retryable, headers) => {
    const error = toGitHubError(requestError(status, message, headers), 'createJitConfig', NOW);
    expect(error).toBeInstanceOf(GitHubError);
    expect(error).toBeInstanceOf(GhrError);
    expect(error).toMatchObject({ name: 'GitHubError', code, retryable, status, operation: 'createJitConfig' });
  });

  it('keeps how long to wait for rate limits', () => {
    expect(toGitHubError(requestError(403, 'secondary rate limit', { 'retry-after': '7' }), 'x', NOW).retryAfterMs).toBe(7_000);
    expect(
      toGitHubError(requestError(403, 'rate limit', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 30) }), 'x', NOW)
        .retryAfterMs,
    ).toBe(31_000);
  });

  it('never carries tokens, headers or the RequestError itself', () => {
    const error = toGitHubError(requestError(401, 'Bad credentials for ghs_abcdefghijklmnop1234'), 'listRunners', NOW);
    const everything = JSON.stringify({ ...error, message: error.message, cause: String(error.cause), stack: error.stack });
    expect(everything).not.toContain('ghs_abcdefghijklmnop1234');
    expect(everything).not.toContain('ghs_secretsecret');
    expect(error.cause).not.toBeInstanceOf(RequestError);
    expect((error.cause as Error).message).toContain('401 POST /orgs/acme/actions/runners/generate-jitconfig');
  });

  it('maps aborts to aborted or timeout, retryable', () => {
    const controller = new AbortController();
    controller.abort();
    expect(toGitHubError(new Error('x'), 'getJob', NOW, controller.signal)).toMatchObject({ code: 'aborted', retryable: true });
    const timeout = AbortSignal.abort(new DOMException('late', 'TimeoutError'));
    expect(toGitHubError(new Error('x'), 'getJob', NOW, timeout)).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('maps network failures (status 500 without a response) to unavailable', () => {
    const error = new RequestError('connect ECONNREFUSED', 500, { request: { method: 'GET', url: 'https://x/y', headers: {} } });
    expect(toGitHubError(error, 'listRunners', NOW)).toMatchObject({ code: 'unavailable', retryable: true });
  });
});

describe('redact', () => {
  it('removes GitHub tokens, JWTs, JIT configs and authorization values', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOjF9.c2lnbmF0dXJl';
    const text = redact(`token ghp_1234567890abcdef and bearer ${jwt} and jit eyJyZWdpc3RlcmVkIjoxfQ== github_pat_11AAAAAAA0123456789`);
    expect(text).not.toMatch(/ghp_|eyJ|github_pat_/);
  });

  it.each([
    ['a JIT config (base64 of {".runner"…)', `config ${Buffer.from('{".runner":"eyJBZ2VudElkIjoxfQ==",".credentials":"x"}').toString('base64')} end`],
    ['a bare registration token', './config.sh --url https://github.com/acme -t AABF3JGZDX3P5PMEXLND6TS6FCWO6 --unattended'],
    ['a token in JSON', '{"token":"AABF3JGZ-not-a-known-shape","expires_at":"2026-01-01T00:00:00Z"}'],
    ['an encoded JIT config in JSON', '{"runner":{"id":1},"encoded_jit_config":"c2VjcmV0LWJ1dC1ub3QtSlNPTg"}'],
    ['a PEM block', 'key: -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsecret\nline2\n-----END RSA PRIVATE KEY----- done'],
    ['a PEM block cut short', 'key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCsecret'],
    ['an installation token', 'Bad credentials: ghs_16C7e42F292c6912E7710c838347Ae178B4a'],
    ['a classic PAT', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'],
    ['a fine-grained PAT', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789'],
  ])('removes %s', (_what, text) => {
    const out = redact(text);
    expect(out).toContain('[REDACTED]');
    expect(out).not.toMatch(/secret|AABF3JGZ|ghs_|ghp_|github_pat_|eyIu|c2VjcmV0/);
  });

  it('keeps the field names of redacted JSON and what is not secret', () => {
    expect(redact('{"token":"AABF3JGZ","expires_at":"2026-01-01T00:00:00Z"}')).toBe('{"token":"[REDACTED]","expires_at":"2026-01-01T00:00:00Z"}');
    expect(redact('GET /orgs/acme/actions/runners answered 404 for runner ghr-linux-17 (job 12345678901)')).toBe(
      'GET /orgs/acme/actions/runners answered 404 for runner ghr-linux-17 (job 12345678901)',
    );
  });
});

describe('retryAfterOf', () => {
  it('reads retry-after seconds, an HTTP date, or the reset time when the budget is spent', () => {
    expect(retryAfterOf({ 'retry-after': '2' }, NOW)).toBe(2_000);
    expect(retryAfterOf({ 'retry-after': new Date(NOW + 5_000).toUTCString() }, NOW)).toBe(5_000);
    expect(retryAfterOf({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW / 1000 + 10) }, NOW)).toBe(11_000);
    expect(retryAfterOf({ 'x-ratelimit-remaining': '12' }, NOW)).toBeUndefined();
  });
});
