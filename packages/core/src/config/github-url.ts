// The GitHub REST API base URL from the one `github.url` setting. GitHub docs: GHES REST endpoints are under
// `http(s)://<hostname>/api/v3`; on GHE.com (data residency) "replace api.github.com with your enterprise's
// dedicated subdomain at api.SUBDOMAIN.ghe.com". Runners register (`config.sh --url`) against the web URL of
// their scope.
import type { RunnerScope } from '../domain.js';
import { GhrError } from '../errors.js';

function parseGitHubUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new GhrError(`github.url ${JSON.stringify(url)} is not a URL: write https://github.com, your GHES host or https://<name>.ghe.com.`, {
      code: 'invalid-config',
      cause,
    });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new GhrError(`github.url ${JSON.stringify(url)} is not an http(s) URL.`, { code: 'invalid-config' });
  }
  return parsed;
}

/** Hosts that never leave the machine: `localhost`, 127.0.0.0/8, `::1`. */
function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Why a GitHub web or API URL may not carry credentials, or `undefined` when it may: it must be https, or plain
 * http to a loopback host (a local test server). Every request to it carries a token or an App JWT.
 *
 * @example
 * ```ts
 * insecureGitHubUrl('https://ghe.example.com'); // undefined
 * insecureGitHubUrl('http://127.0.0.1:3000'); // undefined
 * insecureGitHubUrl('http://ghe.example.com'); // 'must use https (http only for a loopback test server)'
 * ```
 */
export function insecureGitHubUrl(url: string | URL): string | undefined {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)) return undefined;
  return 'must use https (http only for a loopback test server)';
}

const isDotCom = (host: string): boolean => host === 'github.com' || host === 'www.github.com' || host === 'api.github.com';

/**
 * The REST API base URL for a GitHub web URL: `https://github.com` → `https://api.github.com`; GitHub
 * Enterprise Cloud with data residency `https://<name>.ghe.com` → `https://api.<name>.ghe.com`; GitHub
 * Enterprise Server `https://ghe.example.com` → `https://ghe.example.com/api/v3`. An API URL passes through.
 * Pure; trailing slashes are dropped.
 *
 * @throws GhrError `invalid-config` when `url` is not an http(s) URL.
 * @example
 * ```ts
 * githubApiUrl('https://github.com'); // 'https://api.github.com'
 * githubApiUrl('https://octo.ghe.com'); // 'https://api.octo.ghe.com'
 * githubApiUrl('https://ghe.example.com/'); // 'https://ghe.example.com/api/v3'
 * ```
 */
export function githubApiUrl(url: string): string {
  const parsed = parseGitHubUrl(url);
  const host = parsed.hostname.toLowerCase();
  const origin = `${parsed.protocol}//${parsed.host.toLowerCase()}`;
  if (isDotCom(host)) return 'https://api.github.com';
  if (host.endsWith('.ghe.com')) return host.startsWith('api.') ? origin : `${parsed.protocol}//api.${parsed.host.toLowerCase()}`;
  const path = parsed.pathname.replace(/\/+$/, '');
  return path.endsWith('/api/v3') ? `${origin}${path}` : `${origin}${path}/api/v3`;
}

/**
 * The web URL a runner registers against with `config.sh --url` (registration-token bootstrap), from a web or
 * API URL: `<web>/<org>`, `<web>/<owner>/<repo>` or `<web>/enterprises/<enterprise>`.
 *
 * @throws GhrError `invalid-config` when `githubUrl` is not an http(s) URL.
 * @example
 * ```ts
 * runnerRegistrationUrl('https://github.com', { kind: 'org', org: 'acme' }); // 'https://github.com/acme'
 * runnerRegistrationUrl('https://ghe.example.com/api/v3', { kind: 'repo', owner: 'o', repo: 'r' }); // 'https://ghe.example.com/o/r'
 * ```
 */
export function runnerRegistrationUrl(githubUrl: string, scope: RunnerScope): string {
  const url = parseGitHubUrl(githubUrl);
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
