// The GitHub REST API base URL from the one `github.url` setting. GitHub docs: GHES REST endpoints are under
// `http(s)://<hostname>/api/v3`; on GHE.com (data residency) "replace api.github.com with your enterprise's
// dedicated subdomain at api.SUBDOMAIN.ghe.com". @ghr/github has the same rule as `apiBaseUrl` (plus the
// registration URLs); this pure copy lets config derive `github.apiUrl` without depending on an adapter.
import { GhrError } from '../errors.js';

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
  const host = parsed.hostname.toLowerCase();
  const origin = `${parsed.protocol}//${parsed.host.toLowerCase()}`;
  if (host === 'github.com' || host === 'www.github.com' || host === 'api.github.com') return 'https://api.github.com';
  if (host.endsWith('.ghe.com')) return host.startsWith('api.') ? origin : `${parsed.protocol}//api.${parsed.host.toLowerCase()}`;
  const path = parsed.pathname.replace(/\/+$/, '');
  return path.endsWith('/api/v3') ? `${origin}${path}` : `${origin}${path}/api/v3`;
}
