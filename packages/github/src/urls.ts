// From one `githubUrl` setting to the REST API base URL and the URLs runners register against.
import type { RunnerScope } from '@ghr/core';
// The API base URL itself comes from core: `githubApiUrl` (config/github-url.ts).
import { GitHubError } from './errors.js';

function parse(githubUrl: string): URL {
  try {
    const url = new URL(githubUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
    return url;
  } catch (cause) {
    throw new GitHubError(
      `githubUrl "${githubUrl}" is not an http(s) URL; set it to https://github.com, your GHES host or https://<name>.ghe.com.`,
      { code: 'invalid-config', retryable: false, cause },
    );
  }
}

/** True for github.com itself (and its API host). */
function isDotCom(host: string): boolean {
  return host === 'github.com' || host === 'www.github.com' || host === 'api.github.com';
}

/**
 * The web URL a runner registers against with `config.sh --url` (registration-token bootstrap):
 * `<githubUrl>/<org>`, `<githubUrl>/<owner>/<repo>` or `<githubUrl>/enterprises/<enterprise>`.
 *
 * @example
 * ```ts
 * runnerRegistrationUrl('https://github.com', { kind: 'org', org: 'acme' }); // 'https://github.com/acme'
 * ```
 */
export function runnerRegistrationUrl(githubUrl: string, scope: RunnerScope): string {
  const url = parse(githubUrl);
  const host = url.hostname.toLowerCase();
  const web = isDotCom(host)
    ? 'https://github.com'
    : host.startsWith('api.') && host.endsWith('.ghe.com')
      ? `${url.protocol}//${url.host.slice(4)}`
      : `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '').replace(/\/api\/v3$/, '')}`;
  switch (scope.kind) {
    case 'org':
      return `${web}/${scope.org}`;
    case 'repo':
      return `${web}/${scope.owner}/${scope.repo}`;
    case 'enterprise':
      return `${web}/enterprises/${scope.enterprise}`;
  }
}
