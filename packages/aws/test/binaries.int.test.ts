import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { CreateBucketCommand, GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { RunnerRelease } from '@ghr/core';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { syncRunnerBinaries } from '../src/binaries/runner-binaries.js';
import { resetMoto, testClients } from './setup/index.js';
import type { TestClients } from './setup/index.js';

const endpoint = inject('motoEndpoint');
const signal = () => AbortSignal.timeout(60_000);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// Two assets: one large enough for a multipart upload (two 5 MiB parts), one small.
const big = randomBytes(6 * 1024 * 1024 + 123);
const small = randomBytes(4096);
const hits: string[] = [];
let server: Server;
let base: string;
let aws: TestClients;

function release(version: string, overrides: { sha256?: string } = {}): RunnerRelease {
  return {
    version,
    assets: [
      { os: 'linux', arch: 'x64', name: `actions-runner-linux-x64-${version}.tar.gz`, url: `${base}/x64`, size: big.length, sha256: overrides.sha256 ?? sha(big) },
      { os: 'linux', arch: 'arm64', name: `actions-runner-linux-arm64-${version}.tar.gz`, url: `${base}/arm64`, size: small.length },
      { os: 'win', arch: 'x64', name: `actions-runner-win-x64-${version}.zip`, url: `${base}/missing`, size: 10 },
    ],
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const body = req.url === '/x64' ? big : req.url === '/arm64' ? small : undefined;
    if (!body) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  aws = testClients(endpoint);
});
afterAll(async () => {
  aws.destroy();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(async () => {
  hits.length = 0;
  await resetMoto(endpoint);
  await aws.s3.send(new CreateBucketCommand({ Bucket: 'ghr-binaries' }));
});

describe('syncRunnerBinaries against moto', () => {
  it('streams each wanted variant into S3 with version, sha256 and tag, multipart when large', async () => {
    // Act
    const results = await syncRunnerBinaries(release('2.330.0'), { bucket: 'ghr-binaries', s3: aws.s3, partSize: 5 * 1024 * 1024 }, signal());
    // Assert
    expect(results).toEqual([
      { os: 'linux', arch: 'x64', version: '2.330.0', key: 'actions-runner/linux-x64/actions-runner.tar.gz', status: 'uploaded', bytes: big.length, sha256: sha(big) },
      { os: 'linux', arch: 'arm64', version: '2.330.0', key: 'actions-runner/linux-arm64/actions-runner.tar.gz', status: 'uploaded', bytes: small.length, sha256: sha(small) },
    ]);
    const head = await aws.s3.send(new HeadObjectCommand({ Bucket: 'ghr-binaries', Key: results[0]!.key }));
    expect(head.Metadata).toEqual({ 'ghr-version': '2.330.0', 'ghr-sha256': sha(big), 'ghr-asset': 'actions-runner-linux-x64-2.330.0.tar.gz' });
    expect(head.ETag).toMatch(/-2"$/); // two parts
    const object = await aws.s3.send(new GetObjectCommand({ Bucket: 'ghr-binaries', Key: results[0]!.key }));
    expect(sha(Buffer.from(await object.Body!.transformToByteArray()))).toBe(sha(big));
    const tags = await aws.s3.send(new GetObjectTaggingCommand({ Bucket: 'ghr-binaries', Key: results[1]!.key }));
    expect(tags.TagSet).toEqual([{ Key: 'ghr:runner-version', Value: '2.330.0' }]);
  });

  it('skips variants already holding the version, and replaces them for a new one', async () => {
    const options = { bucket: 'ghr-binaries', s3: aws.s3 };
    await syncRunnerBinaries(release('2.330.0'), options, signal());
    hits.length = 0;
    const again = await syncRunnerBinaries(release('2.330.0'), options, signal());
    expect(again.map((r) => r.status)).toEqual(['current', 'current']);
    expect(hits).toEqual([]); // nothing downloaded
    const newer = await syncRunnerBinaries(release('2.331.0'), options, signal());
    expect(newer.map((r) => r.status)).toEqual(['uploaded', 'uploaded']);
  });

  it('aborts and stores nothing when the sha256 does not match', async () => {
    const bad = release('2.330.0', { sha256: 'f'.repeat(64) });
    await expect(syncRunnerBinaries(bad, { bucket: 'ghr-binaries', s3: aws.s3, targets: [{ os: 'linux', arch: 'x64' }] }, signal())).rejects.toMatchObject({
      name: 'AwsError',
      retryable: true,
      message: expect.stringContaining('sha256'),
    });
    await expect(aws.s3.send(new HeadObjectCommand({ Bucket: 'ghr-binaries', Key: 'actions-runner/linux-x64/actions-runner.tar.gz' }))).rejects.toMatchObject({
      name: 'NotFound',
    });
  });

  it('reports a variant the release lacks, and a 404 download as not-found', async () => {
    const none = await syncRunnerBinaries(release('2.330.0'), { bucket: 'ghr-binaries', s3: aws.s3, targets: [{ os: 'osx', arch: 'arm64' }] }, signal());
    expect(none).toEqual([expect.objectContaining({ os: 'osx', arch: 'arm64', status: 'missing' })]);
    await expect(
      syncRunnerBinaries(release('2.330.0'), { bucket: 'ghr-binaries', s3: aws.s3, targets: [{ os: 'win', arch: 'x64' }] }, signal()),
    ).rejects.toMatchObject({ code: 'not-found', httpStatus: 404 });
  });

  it('translates a missing bucket', async () => {
    await expect(syncRunnerBinaries(release('2.330.0'), { bucket: 'no-such-bucket', s3: aws.s3 }, signal())).rejects.toMatchObject({
      name: 'AwsError',
      code: 'not-found',
    });
  });
});
