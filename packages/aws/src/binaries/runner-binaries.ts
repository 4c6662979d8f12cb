// The actions/runner binaries, cached in S3 so that instances download them from inside AWS: each wanted OS/arch
// asset of the newest release is streamed from its URL into S3 (multipart), checked against its sha256 on the
// way, and skipped when the object already holds that version.
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { silentLogger } from '@ghr/core';
import type { Logger, RunnerRelease, RunnerReleaseAsset } from '@ghr/core';
import { AwsError, isAwsError, toAwsError } from '../errors.js';

/** An OS/arch variant of the runner. */
export interface RunnerBinaryTarget {
  readonly os: RunnerReleaseAsset['os'];
  readonly arch: RunnerReleaseAsset['arch'];
}

/** Options of {@link syncRunnerBinaries}. */
export interface SyncRunnerBinariesOptions {
  readonly bucket: string;
  /** Key prefix; default `actions-runner`. */
  readonly prefix?: string;
  /** Default `new S3Client({})`. */
  readonly s3?: S3Client;
  /** Downloads the assets; default the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Variants to cache; default linux x64 and linux arm64. */
  readonly targets?: readonly RunnerBinaryTarget[];
  /** Multipart part size in bytes; default 16 MiB (S3's minimum is 5 MiB). */
  readonly partSize?: number;
  /** Parts uploaded at once; default 4. */
  readonly queueSize?: number;
  readonly logger?: Logger;
}

/** What happened to one variant. */
export interface RunnerBinaryResult {
  readonly os: RunnerBinaryTarget['os'];
  readonly arch: RunnerBinaryTarget['arch'];
  readonly version: string;
  readonly key: string;
  /** `uploaded` now, already `current`, or `missing` from the release. */
  readonly status: 'uploaded' | 'current' | 'missing';
  readonly bytes?: number;
  readonly sha256?: string;
}

/** S3 object metadata keys (S3 lower-cases them and prefixes `x-amz-meta-`). */
export const RUNNER_BINARY_METADATA = { version: 'ghr-version', sha256: 'ghr-sha256', asset: 'ghr-asset' } as const;

const DEFAULT_TARGETS: readonly RunnerBinaryTarget[] = [
  { os: 'linux', arch: 'x64' },
  { os: 'linux', arch: 'arm64' },
];

/**
 * The S3 key of a variant: `<prefix>/<os>-<arch>/actions-runner.<tar.gz|zip>`. One stable key per variant, so
 * launch templates' user data always download the same key; the version lives in the object's metadata
 * (`ghr-version`, `ghr-sha256`) and its `ghr:runner-version` tag.
 *
 * @example
 * ```ts
 * runnerBinaryKey('actions-runner', { os: 'linux', arch: 'x64' }, 'actions-runner-linux-x64-2.330.0.tar.gz');
 * // 'actions-runner/linux-x64/actions-runner.tar.gz'
 * ```
 */
export function runnerBinaryKey(prefix: string, target: RunnerBinaryTarget, assetName: string): string {
  const ext = assetName.endsWith('.zip') ? 'zip' : 'tar.gz';
  return `${prefix.replace(/\/+$/, '')}/${target.os}-${target.arch}/actions-runner.${ext}`;
}

/** Hashes (and counts) what streams through; fails the stream at its end on a digest or size mismatch. */
function verifying(asset: RunnerReleaseAsset, seen: { bytes: number; sha256: string }): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      seen.bytes += chunk.length;
      callback(null, chunk);
    },
    flush(callback) {
      seen.sha256 = hash.digest('hex');
      if (asset.sha256 && seen.sha256 !== asset.sha256.toLowerCase()) {
        callback(
          new AwsError(
            `Runner asset ${asset.name} has sha256 ${seen.sha256}, the release says ${asset.sha256}: the download is corrupt or the asset changed; nothing was stored. Retry later.`,
            { code: 'internal', retryable: true },
          ),
        );
        return;
      }
      if (asset.size > 0 && seen.bytes !== asset.size) {
        callback(
          new AwsError(`Runner asset ${asset.name} has ${seen.bytes} bytes, the release says ${asset.size}: the download was cut; nothing was stored. Retry.`, {
            code: 'unavailable',
            retryable: true,
          }),
        );
        return;
      }
      callback();
    },
  });
}

async function isCurrent(s3: S3Client, bucket: string, key: string, release: RunnerRelease, asset: RunnerReleaseAsset, signal: AbortSignal): Promise<boolean> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    const meta = head.Metadata ?? {};
    return meta[RUNNER_BINARY_METADATA.version] === release.version && (!asset.sha256 || meta[RUNNER_BINARY_METADATA.sha256] === asset.sha256.toLowerCase());
  } catch (err) {
    const error = toAwsError(err, `S3 HeadObject s3://${bucket}/${key}`);
    if (error.code === 'not-found') return false;
    throw error;
  }
}

async function download(fetchFn: typeof fetch, asset: RunnerReleaseAsset, signal: AbortSignal): Promise<Readable> {
  let res: Response;
  try {
    res = await fetchFn(asset.url, { signal, redirect: 'follow', headers: { accept: 'application/octet-stream' } });
  } catch (err) {
    throw toAwsError(err, `Download of runner asset ${asset.name}`);
  }
  if (!res.ok || !res.body) {
    const code = res.status === 404 ? 'not-found' : res.status === 429 ? 'throttled' : res.status >= 500 ? 'unavailable' : 'internal';
    await res.body?.cancel();
    throw new AwsError(`Download of runner asset ${asset.name} answered HTTP ${res.status}: check the release URL or retry later.`, {
      code,
      retryable: code !== 'not-found',
      httpStatus: res.status,
    });
  }
  return Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
}

/**
 * Caches the wanted OS/arch variants of a runner release in S3. Each asset is streamed from its URL (never held
 * in memory whole) into a multipart `Upload`, its sha256 checked while streaming when the release gives one
 * (a mismatch aborts the upload: nothing is stored), with metadata `ghr-version`/`ghr-sha256`/`ghr-asset` and the
 * tag `ghr:runner-version`. A variant whose object already holds this version (HeadObject) is skipped.
 *
 * @example
 * ```ts
 * const release = await github.latestRunnerRelease(signal);
 * const results = await syncRunnerBinaries(release, { bucket: 'ghr-binaries', s3 }, signal);
 * ```
 */
export async function syncRunnerBinaries(
  release: RunnerRelease,
  options: SyncRunnerBinariesOptions,
  signal: AbortSignal,
): Promise<readonly RunnerBinaryResult[]> {
  const s3 = options.s3 ?? new S3Client({});
  const fetchFn = options.fetch ?? fetch;
  const prefix = options.prefix ?? 'actions-runner';
  const logger = options.logger ?? silentLogger;
  const results: RunnerBinaryResult[] = [];
  for (const target of options.targets ?? DEFAULT_TARGETS) {
    const asset = release.assets.find((a) => a.os === target.os && a.arch === target.arch);
    if (!asset) {
      logger.warn('the runner release has no asset for a wanted variant', { version: release.version, os: target.os, arch: target.arch });
      results.push({ ...target, version: release.version, key: runnerBinaryKey(prefix, target, ''), status: 'missing' });
      continue;
    }
    const key = runnerBinaryKey(prefix, target, asset.name);
    if (await isCurrent(s3, options.bucket, key, release, asset, signal)) {
      results.push({ ...target, version: release.version, key, status: 'current', ...(asset.sha256 ? { sha256: asset.sha256 } : {}) });
      continue;
    }
    const seen = { bytes: 0, sha256: '' };
    const body = (await download(fetchFn, asset, signal)).pipe(verifying(asset, seen));
    const upload = new Upload({
      client: s3,
      params: {
        Bucket: options.bucket,
        Key: key,
        Body: body,
        ContentType: asset.name.endsWith('.zip') ? 'application/zip' : 'application/gzip',
        Metadata: {
          [RUNNER_BINARY_METADATA.version]: release.version,
          [RUNNER_BINARY_METADATA.asset]: asset.name,
          ...(asset.sha256 ? { [RUNNER_BINARY_METADATA.sha256]: asset.sha256.toLowerCase() } : {}),
        },
      },
      tags: [{ Key: 'ghr:runner-version', Value: release.version }],
      partSize: Math.max(5 * 1024 * 1024, options.partSize ?? 16 * 1024 * 1024),
      queueSize: options.queueSize ?? 4,
      leavePartsOnError: false,
    });
    const onAbort = () => void upload.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await upload.done();
    } catch (err) {
      body.destroy();
      // The stream's own integrity errors are already ours; everything else came from S3.
      const cause = (err as { cause?: unknown }).cause;
      if (isAwsError(err)) throw err;
      if (isAwsError(cause)) throw cause;
      throw toAwsError(err, `S3 upload of s3://${options.bucket}/${key}`);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    logger.info('cached a runner binary', { version: release.version, os: target.os, arch: target.arch, bytes: seen.bytes });
    results.push({ ...target, version: release.version, key, status: 'uploaded', bytes: seen.bytes, sha256: seen.sha256 });
  }
  return results;
}
