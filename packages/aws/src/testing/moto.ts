// Starts and resets a moto server (https://github.com/getmoto/moto) on loopback, for integration tests and
// benchmarks. moto is a Python program: it is found on this machine, never installed from here.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** A running moto server. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** The PID of the process we started; `undefined` when an existing server was reused. */
  readonly pid: number | undefined;
  /** Stops the server we started (by its PID); does nothing for a reused one. */
  stop(): Promise<void>;
}

/** Options of {@link startMoto}. */
export interface StartMotoOptions {
  /** Use this running server instead of starting one (e.g. CI's `MOTO_ENDPOINT`). */
  readonly endpoint?: string;
  /** How long to wait for the server to answer `GET /moto-api/`. Default 30 s. */
  readonly startTimeoutMs?: number;
  /** The `PATH` to search for `moto_server` (pass `process.env.PATH`); without it only pyenv is searched. */
  readonly path?: string;
  /** Where pyenv keeps its Pythons; default `~/.pyenv/versions`. */
  readonly pyenvVersions?: string;
}

const INSTALL_HINT =
  'moto server is needed for the integration tests: install it into a Python on this machine ' +
  '(`pip install "moto[server]==5.2.1"`, it is preinstalled in the pyenv Python here), put `moto_server` on PATH, ' +
  'or start one yourself and set MOTO_ENDPOINT=http://127.0.0.1:<port>.';

/**
 * The command that starts moto here: `moto_server` on `PATH` (real binaries before pyenv shims), then in a pyenv
 * Python (`~/.pyenv/versions/*\/bin/moto_server`), else `python3 -m moto.server` (which may fail if moto is absent).
 *
 * @example
 * ```ts
 * const { command, args } = findMoto();
 * ```
 */
export function findMoto(options: Pick<StartMotoOptions, 'path' | 'pyenvVersions'> = {}): { command: string; args: string[] } {
  const dirs = (options.path ?? '').split(delimiter).filter(Boolean);
  const onPath = dirs.map((d) => join(d, 'moto_server')).filter((f) => existsSync(f));
  const real = onPath.filter((f) => !f.includes(`${join('.pyenv', 'shims')}`));
  const versions = options.pyenvVersions ?? join(homedir(), '.pyenv', 'versions');
  const pyenv = existsSync(versions)
    ? readdirSync(versions)
        .sort()
        .reverse()
        .map((v) => join(versions, v, 'bin', 'moto_server'))
        .filter((f) => existsSync(f))
    : [];
  const found = [...real, ...pyenv, ...onPath][0];
  return found ? { command: found, args: [] } : { command: 'python3', args: ['-m', 'moto.server'] };
}

/**
 * A free TCP port on 127.0.0.1 (the OS picks it; there is a small race until the server binds it).
 *
 * @example
 * ```ts
 * const port = await freePort();
 * ```
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Starts moto on a free loopback port (or reuses `options.endpoint`) and waits until `GET /moto-api/` answers.
 * Throws with installation advice when moto cannot be found or does not come up in time.
 *
 * @example
 * ```ts
 * const moto = await startMoto();
 * try { ... } finally { await moto.stop(); }
 * ```
 */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  if (options.endpoint) {
    const endpoint = options.endpoint.replace(/\/+$/, '');
    if (!(await answers(endpoint))) throw new Error(`No moto server answers at ${endpoint}/moto-api/. ${INSTALL_HINT}`);
    return { endpoint, pid: undefined, stop: () => Promise.resolve() };
  }
  const { command, args } = findMoto(options);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(command, [...args, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000);
  });
  let exited: string | undefined;
  child.on('error', (err) => (exited = err.message));
  child.on('exit', (code, signal) => (exited ??= `exited with ${code ?? signal}`));

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await answers(endpoint))) {
    if (exited !== undefined || Date.now() > deadline) {
      child.kill('SIGKILL');
      const why = exited ?? `did not answer within ${options.startTimeoutMs ?? 30_000} ms`;
      throw new Error(`moto (${command} ${args.join(' ')}) ${why}. ${INSTALL_HINT}\n${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid;
  return {
    endpoint,
    pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 3_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Forgets every resource moto holds (`POST /moto-api/reset`): call it between tests.
 *
 * @example
 * ```ts
 * beforeEach(() => resetMoto(inject('motoEndpoint')));
 * ```
 */
export async function resetMoto(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`moto reset at ${endpoint} answered ${res.status}`);
}
