// `actions/runner` releases: which asset is which platform, and its SHA-256 from the release notes.
import type { RunnerRelease, RunnerReleaseAsset } from '@ghr/core';
import { GitHubError } from './errors.js';

const ASSET_NAME = /^actions-runner-(linux|win|osx)-(x64|arm64|arm)-(\d+\.\d+\.\d+)\.(tar\.gz|zip)$/;
// Release notes carry lines like `<!-- BEGIN SHA linux-x64 -->abc...<!-- END SHA linux-x64 -->`.
const SHA_MARK = /<!--\s*BEGIN SHA ([a-z0-9_-]+)\s*-->\s*([0-9a-fA-F]{64})\s*<!--\s*END SHA \1\s*-->/g;

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/**
 * Turns the JSON of `GET /repos/actions/runner/releases/latest` into a {@link RunnerRelease}: the version, and one
 * asset per os/arch (`actions-runner-<os>-<arch>-<version>.tar.gz|zip`) with its SHA-256 when the release notes
 * list it. Other assets (source archives, `noexternals` builds) are left out.
 *
 * @example
 * ```ts
 * const release = parseRunnerRelease(await (await fetch(url)).json());
 * release.assets.find((a) => a.os === 'linux' && a.arch === 'arm64')?.url;
 * ```
 */
export function parseRunnerRelease(json: unknown): RunnerRelease {
  const data = record(json);
  const tag = typeof data.tag_name === 'string' ? data.tag_name : undefined;
  if (tag === undefined || !Array.isArray(data.assets)) {
    throw new GitHubError('The actions/runner release has no tag_name or assets; GitHub answered an unexpected shape.', {
      code: 'internal',
      retryable: false,
      operation: 'latestRunnerRelease',
    });
  }
  const body = typeof data.body === 'string' ? data.body : '';
  const shas = new Map<string, string>();
  for (const match of body.matchAll(SHA_MARK)) shas.set(match[1]!.toLowerCase(), match[2]!.toLowerCase());
  const assets: RunnerReleaseAsset[] = [];
  for (const raw of data.assets) {
    const asset = record(raw);
    const name = typeof asset.name === 'string' ? asset.name : '';
    const match = ASSET_NAME.exec(name);
    if (match === null) continue;
    const os = match[1] as RunnerReleaseAsset['os'];
    const arch = match[2] as RunnerReleaseAsset['arch'];
    const sha256 = shas.get(`${os}-${arch}`);
    assets.push({
      os,
      arch,
      name,
      url: typeof asset.browser_download_url === 'string' ? asset.browser_download_url : '',
      size: typeof asset.size === 'number' ? asset.size : 0,
      ...(sha256 === undefined ? {} : { sha256 }),
    });
  }
  return { version: tag.replace(/^v/, ''), assets };
}
