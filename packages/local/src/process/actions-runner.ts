// The default runner command: GitHub's actions/runner, downloaded once into a cache and laid out in each
// runner's fresh work directory.
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readdir, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { LocalError } from '../errors.js';
import type { RunnerCommand, RunnerCommandContext, RunnerCommandFactory } from './runner-command.js';

const run = promisify(execFile);

/** Writes the file at `url` to `file`; rejects when it cannot (then `file` may be partial). */
export type RunnerDownload = (url: string, file: string, signal: AbortSignal) => Promise<void>;

/** The actions/runner build for one platform, in the release's asset naming. */
export interface RunnerPlatform {
  readonly os: 'linux' | 'osx';
  readonly arch: 'x64' | 'arm64' | 'arm';
}

/** Options of {@link actionsRunnerCommand}. */
export interface ActionsRunnerCommandOptions {
  /** Where downloaded releases are kept, extracted, one directory per version and platform. */
  readonly cacheDir: string;
  /**
   * The runner version (`2.330.0`). Default: the newest release, asked once per process with `latestVersion`.
   * GitHub refuses runners more than 30 days behind the newest release: pin only what you keep current.
   */
  readonly version?: string;
  /** Finds the newest version. Default: GitHub's `GET /repos/actions/runner/releases/latest` through `fetch`. */
  readonly latestVersion?: (signal: AbortSignal) => Promise<string>;
  /** Fetches a release tarball. Default: `fetch` to the file. Tests pass a function that copies a local file. */
  readonly download?: RunnerDownload;
  /** The tarball's URL. Default: the GitHub release asset `actions-runner-<os>-<arch>-<version>.tar.gz`. */
  readonly releaseUrl?: (version: string, platform: RunnerPlatform) => string;
  /** Default: this machine's (`process.platform`, `process.arch`). */
  readonly platform?: RunnerPlatform;
  /** Used by the default `latestVersion` and `download`. Default: the global `fetch`. */
  readonly fetch?: typeof fetch;
  /**
   * actions/runner refuses to run as root unless `RUNNER_ALLOW_RUNASROOT` is set; jobs then run as root too.
   * `true` sets it. Default false: when ghr runs as root, launches fail with `invalid-config` saying so.
   */
  readonly allowRunAsRoot?: boolean;
}

/**
 * The asset URL of an actions/runner release on GitHub.
 *
 * @example
 * ```ts
 * actionsRunnerReleaseUrl('2.330.0', { os: 'linux', arch: 'x64' });
 * // https://github.com/actions/runner/releases/download/v2.330.0/actions-runner-linux-x64-2.330.0.tar.gz
 * ```
 */
export function actionsRunnerReleaseUrl(version: string, platform: RunnerPlatform): string {
  return `https://github.com/actions/runner/releases/download/v${version}/actions-runner-${platform.os}-${platform.arch}-${version}.tar.gz`;
}

function thisPlatform(): RunnerPlatform {
  const os = process.platform === 'linux' ? 'linux' : process.platform === 'darwin' ? 'osx' : undefined;
  const arch = process.arch === 'x64' ? 'x64' : process.arch === 'arm64' ? 'arm64' : process.arch === 'arm' ? 'arm' : undefined;
  if (os === undefined || arch === undefined) {
    throw new LocalError(
      `actions/runner has no build for ${process.platform}/${process.arch} that the local provider can start: run ghr on Linux or macOS (x64, arm64), or pass your own runner command.`,
      { code: 'invalid-config' },
    );
  }
  return { os, arch };
}

/**
 * The default {@link RunnerCommandFactory} of `LocalProcessProvider`: GitHub's actions/runner. On first use the
 * release tarball is downloaded into `cacheDir` and extracted there (once per version and platform; the cache
 * is shared by later runs). Each runner gets the release's files in its own work directory (hard links to the
 * cache, copies across file systems), because a runner keeps its registration and logs beside its binaries.
 * JIT runners run `./run.sh`, which reads the JIT config from `ACTIONS_RUNNER_INPUT_JITCONFIG`; registration
 * runners run `./config.sh --unattended` (URL, token, name and labels from `ACTIONS_RUNNER_INPUT_*`) and then
 * `./run.sh`. A failed download fails the launch as retryable `internal` (nothing is cached).
 *
 * @example
 * ```ts
 * const provider = new LocalProcessProvider({
 *   workRoot: '/var/lib/ghr/runners',
 *   command: actionsRunnerCommand({ cacheDir: '/var/cache/ghr', version: '2.330.0' }),
 * });
 * ```
 */
export function actionsRunnerCommand(options: ActionsRunnerCommandOptions): RunnerCommandFactory {
  const doFetch = options.fetch ?? globalThis.fetch;
  const download = options.download ?? fetchToFile(doFetch);
  const latestVersion = options.latestVersion ?? latestReleaseVersion(doFetch);
  const releaseUrl = options.releaseUrl ?? actionsRunnerReleaseUrl;
  let version: Promise<string> | undefined = options.version === undefined ? undefined : Promise.resolve(options.version);
  const extracted = new Map<string, Promise<string>>();

  const release = async (signal: AbortSignal): Promise<string> => {
    if (version === undefined) {
      const asked = latestVersion(signal);
      version = asked;
      asked.catch(() => {
        if (version === asked) version = undefined; // ask again next time
      });
    }
    const platform = options.platform ?? thisPlatform();
    const v = await version;
    const key = `actions-runner-${platform.os}-${platform.arch}-${v}`;
    let dir = extracted.get(key);
    if (!dir) {
      dir = ensureExtracted(options.cacheDir, key, releaseUrl(v, platform), download, signal);
      extracted.set(key, dir);
      dir.catch(() => extracted.delete(key));
    }
    return dir;
  };

  return async (context: RunnerCommandContext): Promise<RunnerCommand> => {
    if (process.getuid?.() === 0 && options.allowRunAsRoot !== true) {
      throw new LocalError(
        'ghr runs as root, and actions/runner refuses to run (and run jobs) as root: run ghr as another user, or set allowRunAsRoot to accept root jobs.',
        { code: 'invalid-config' },
      );
    }
    const env = options.allowRunAsRoot === true ? { RUNNER_ALLOW_RUNASROOT: '1' } : undefined;
    const source = await release(context.signal);
    await linkTree(source, context.workDir);
    if (context.bootstrap === 'jit') return { file: join(context.workDir, 'run.sh'), ...(env ? { env } : {}) };
    const flags = ['--unattended', '--replace', '--work', '_work', ...(context.ephemeral ? ['--ephemeral'] : [])];
    return { file: '/bin/sh', args: ['-c', `./config.sh ${flags.join(' ')} && exec ./run.sh`], ...(env ? { env } : {}) };
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Downloads and extracts a release into `cacheDir/<key>` unless it is there; returns that directory. */
async function ensureExtracted(
  cacheDir: string,
  key: string,
  url: string,
  download: RunnerDownload,
  signal: AbortSignal,
): Promise<string> {
  const target = join(cacheDir, key);
  if (await exists(target)) return target;
  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(cacheDir, `.${key}-`));
  try {
    const tarball = join(work, `${key}.tar.gz`);
    try {
      await download(url, tarball, signal);
    } catch (err) {
      throw new LocalError(`Downloading the runner release ${url} failed: check the network or pass a download function; retry later.`, {
        code: 'internal',
        retryable: true,
        cause: err,
      });
    }
    const tree = join(work, 'tree');
    await mkdir(tree);
    try {
      await run('tar', ['-xzf', tarball, '-C', tree], { signal });
    } catch (err) {
      throw new LocalError(`Extracting the runner release ${key} failed (is it a .tar.gz, and is tar installed?): retry, or clear ${cacheDir}.`, {
        code: 'internal',
        retryable: true,
        cause: err,
      });
    }
    try {
      await rename(tree, target); // atomic: a concurrent extraction of the same release loses this race harmlessly
    } catch (err) {
      if (!(await exists(target))) throw err;
    }
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Mirrors `source` into `target` with hard links (copies when linking fails, e.g. across file systems); symlinks are recreated. */
async function linkTree(source: string, target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  for (const entry of await readdir(source, { withFileTypes: true })) {
    const from = join(source, entry.name);
    const to = join(target, entry.name);
    if (entry.isDirectory()) await linkTree(from, to);
    else if (entry.isSymbolicLink()) await symlink(await readlink(from), to);
    else if (entry.isFile()) await link(from, to).catch(() => copyFile(from, to));
  }
}

function fetchToFile(doFetch: typeof fetch): RunnerDownload {
  return async (url, file, signal) => {
    const response = await doFetch(url, { signal, redirect: 'follow' });
    if (!response.ok || !response.body) throw new Error(`GET ${url} answered ${response.status}`);
    await pipeline(Readable.fromWeb(response.body as Parameters<typeof Readable.fromWeb>[0]), createWriteStream(file), { signal });
  };
}

function latestReleaseVersion(doFetch: typeof fetch): (signal: AbortSignal) => Promise<string> {
  return async (signal) => {
    const url = 'https://api.github.com/repos/actions/runner/releases/latest';
    let tag: unknown;
    try {
      const response = await doFetch(url, { signal, headers: { accept: 'application/vnd.github+json' } });
      if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
      tag = ((await response.json()) as { tag_name?: unknown }).tag_name;
    } catch (err) {
      throw new LocalError('Finding the newest actions/runner release failed: pass `version`, or retry later.', {
        code: 'internal',
        retryable: true,
        cause: err,
      });
    }
    if (typeof tag !== 'string' || !/^v?\d+\.\d+\.\d+$/.test(tag)) {
      throw new LocalError(`GitHub named the newest actions/runner release ${String(tag)}, not a version: pass \`version\`.`, {
        code: 'internal',
      });
    }
    return tag.replace(/^v/, '');
  };
}
