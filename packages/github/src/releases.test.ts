import { describe, expect, it } from 'vitest';
import { GitHubError } from './errors.js';
import { parseRunnerRelease } from './releases.js';

const sha = (c: string) => c.repeat(64);

describe('parseRunnerRelease', () => {
  it('reads os, arch and sha256 of each runner asset and skips the others', () => {
    // Arrange: shaped like GET /repos/actions/runner/releases/latest
    const release = {
      tag_name: 'v2.321.0',
      body: [
        '## Linux x64',
        `- actions-runner-linux-x64-2.321.0.tar.gz <!-- BEGIN SHA linux-x64 -->${sha('a')}<!-- END SHA linux-x64 -->`,
        `- actions-runner-linux-arm64-2.321.0.tar.gz <!-- BEGIN SHA linux-arm64 -->${sha('b')}<!-- END SHA linux-arm64 -->`,
        `- actions-runner-win-x64-2.321.0.zip <!-- BEGIN SHA win-x64 -->${sha('C')}<!-- END SHA win-x64 -->`,
      ].join('\n'),
      assets: [
        { name: 'actions-runner-linux-x64-2.321.0.tar.gz', browser_download_url: 'https://dl/linux-x64', size: 100 },
        { name: 'actions-runner-linux-arm64-2.321.0.tar.gz', browser_download_url: 'https://dl/linux-arm64', size: 90 },
        { name: 'actions-runner-osx-arm64-2.321.0.tar.gz', browser_download_url: 'https://dl/osx-arm64', size: 80 },
        { name: 'actions-runner-win-x64-2.321.0.zip', browser_download_url: 'https://dl/win-x64', size: 70 },
        { name: 'actions-runner-noexternals-linux-x64-2.321.0.tar.gz', browser_download_url: 'https://dl/noext', size: 10 },
        { name: 'Source code (zip)', browser_download_url: 'https://dl/src', size: 1 },
      ],
    };

    // Act
    const parsed = parseRunnerRelease(release);

    // Assert
    expect(parsed.version).toBe('2.321.0');
    expect(parsed.assets).toEqual([
      { os: 'linux', arch: 'x64', name: 'actions-runner-linux-x64-2.321.0.tar.gz', url: 'https://dl/linux-x64', size: 100, sha256: sha('a') },
      { os: 'linux', arch: 'arm64', name: 'actions-runner-linux-arm64-2.321.0.tar.gz', url: 'https://dl/linux-arm64', size: 90, sha256: sha('b') },
      { os: 'osx', arch: 'arm64', name: 'actions-runner-osx-arm64-2.321.0.tar.gz', url: 'https://dl/osx-arm64', size: 80 },
      { os: 'win', arch: 'x64', name: 'actions-runner-win-x64-2.321.0.zip', url: 'https://dl/win-x64', size: 70, sha256: sha('c') },
    ]);
  });

  it('fails with a GitHubError on an unexpected shape', () => {
    expect(() => parseRunnerRelease({ name: 'x' })).toThrow(GitHubError);
  });
});
