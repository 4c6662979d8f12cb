// A realistic `actions/runner` release: one asset per OS × architecture, each a small deterministic binary body
// served by the simulated GitHub (so an S3 upload of the binaries can be tested), with SHA-256 digests in the
// asset list and in the release notes, as actions/runner publishes them.
import { createHash } from 'node:crypto';
import { isoSeconds, nodeId, userJson } from '../github/payloads.js';
import type { PayloadUrls } from '../github/payloads.js';

/** One asset of the simulated release. */
export interface ReleaseAssetFile {
  readonly id: number;
  readonly platform: string;
  readonly name: string;
  readonly contentType: string;
  readonly bytes: Buffer;
  readonly sha256: string;
}

const PLATFORMS: readonly { readonly platform: string; readonly ext: 'tar.gz' | 'zip' }[] = [
  { platform: 'linux-x64', ext: 'tar.gz' },
  { platform: 'linux-arm64', ext: 'tar.gz' },
  { platform: 'linux-arm', ext: 'tar.gz' },
  { platform: 'win-x64', ext: 'zip' },
  { platform: 'win-arm64', ext: 'zip' },
  { platform: 'osx-x64', ext: 'tar.gz' },
  { platform: 'osx-arm64', ext: 'tar.gz' },
];

/** Deterministic bytes for a name: a SHA-256 counter stream, `size` long. */
export function deterministicBytes(name: string, size = 16_384): Buffer {
  const out = Buffer.alloc(size);
  for (let offset = 0, counter = 0; offset < size; counter += 1) {
    const block = createHash('sha256').update(`${name}:${counter}`).digest();
    offset += block.copy(out, offset);
  }
  return out;
}

/** The assets of runner release `version`. */
export function releaseAssets(version: string): readonly ReleaseAssetFile[] {
  return PLATFORMS.map(({ platform, ext }, index) => {
    const name = `actions-runner-${platform}-${version}.${ext}`;
    const bytes = deterministicBytes(name);
    return {
      id: 200_000_000 + index,
      platform,
      name,
      contentType: ext === 'zip' ? 'application/zip' : 'application/gzip',
      bytes,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
  });
}

/**
 * The `GET /repos/actions/runner/releases/latest` body. `downloadBase` is where the binaries are served
 * (`<downloadBase>/actions/runner/releases/download/v<version>/<name>`).
 */
export function releaseJson(urls: PayloadUrls, downloadBase: string, version: string, publishedAt: number): Record<string, unknown> {
  const tag = `v${version}`;
  const api = `${urls.api}/repos/actions/runner`;
  const published = isoSeconds(publishedAt);
  const author = userJson(urls, { id: 41898282, login: 'github-actions[bot]', type: 'User', nodeId: 'MDM6Qm90NDE4OTgyODI=', createdAt: 0 });
  const assets = releaseAssets(version);
  const body = [
    '## What\'s Changed',
    '* Simulated release of the actions/runner binaries.',
    '',
    '## SHA-256 Checksums',
    ...assets.map((a) => `- ${a.name} <!-- BEGIN SHA ${a.platform} -->${a.sha256}<!-- END SHA ${a.platform} -->`),
  ].join('\n');
  return {
    url: `${api}/releases/${100_000_001}`,
    assets_url: `${api}/releases/${100_000_001}/assets`,
    upload_url: `https://uploads.github.com/repos/actions/runner/releases/${100_000_001}/assets{?name,label}`,
    html_url: `${urls.html}/actions/runner/releases/tag/${tag}`,
    id: 100_000_001,
    author,
    node_id: nodeId('RE_', 100_000_001),
    tag_name: tag,
    target_commitish: 'main',
    name: tag,
    draft: false,
    immutable: false,
    prerelease: false,
    created_at: published,
    updated_at: published,
    published_at: published,
    assets: assets.map((a) => ({
      url: `${api}/releases/assets/${a.id}`,
      id: a.id,
      node_id: nodeId('RA_', a.id),
      name: a.name,
      label: '',
      uploader: author,
      content_type: a.contentType,
      state: 'uploaded',
      size: a.bytes.length,
      digest: `sha256:${a.sha256}`,
      download_count: 1000 + a.id % 1000,
      created_at: published,
      updated_at: published,
      browser_download_url: `${downloadBase}/actions/runner/releases/download/${tag}/${a.name}`,
    })),
    tarball_url: `${api}/tarball/${tag}`,
    zipball_url: `${api}/zipball/${tag}`,
    body,
  };
}
