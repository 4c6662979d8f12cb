import { HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { RunnerRelease } from '@ghr/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runnerBinaryKey, syncRunnerBinaries } from './runner-binaries.js';

const s3 = mockClient(S3Client);
const release: RunnerRelease = {
  version: '2.330.0',
  assets: [{ os: 'linux', arch: 'x64', name: 'actions-runner-linux-x64-2.330.0.tar.gz', url: 'https://example.test/x64', size: 3, sha256: 'ABC' }],
};

beforeEach(() => s3.reset());

describe('runnerBinaryKey', () => {
  it('gives one stable key per OS/arch, keeping the archive type', () => {
    expect(runnerBinaryKey('actions-runner/', { os: 'linux', arch: 'arm64' }, 'actions-runner-linux-arm64-2.330.0.tar.gz')).toBe(
      'actions-runner/linux-arm64/actions-runner.tar.gz',
    );
    expect(runnerBinaryKey('bin', { os: 'win', arch: 'x64' }, 'actions-runner-win-x64-2.330.0.zip')).toBe('bin/win-x64/actions-runner.zip');
  });
});

describe('syncRunnerBinaries', () => {
  it('does not download when the object holds the version and the (lower-cased) sha256', async () => {
    s3.on(HeadObjectCommand).resolves({ Metadata: { 'ghr-version': '2.330.0', 'ghr-sha256': 'abc' } });
    const fetchFn = vi.fn<typeof fetch>();
    const out = await syncRunnerBinaries(release, { bucket: 'b', s3: new S3Client({}), fetch: fetchFn, targets: [{ os: 'linux', arch: 'x64' }] }, AbortSignal.timeout(5_000));
    expect(out).toEqual([expect.objectContaining({ status: 'current', key: 'actions-runner/linux-x64/actions-runner.tar.gz' })]);
    expect(fetchFn).not.toHaveBeenCalled();
  });

  it('translates a HeadObject permission error instead of treating it as missing', async () => {
    s3.on(HeadObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } }));
    const fetchFn = vi.fn<typeof fetch>();
    await expect(
      syncRunnerBinaries(release, { bucket: 'b', s3: new S3Client({}), fetch: fetchFn, targets: [{ os: 'linux', arch: 'x64' }] }, AbortSignal.timeout(5_000)),
    ).rejects.toMatchObject({ name: 'AwsError', code: 'unauthorized' });
    expect(fetchFn).not.toHaveBeenCalled();
  });
});
