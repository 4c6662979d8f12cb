// Wiring one machine from a validated config: the SQLite store, the local-process provider and the GitHub client.
// `ghr serve`, `ghr status` and `ghr doctor` open the same state directory the same way.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { GhrConfig, Logger } from '@ghr/core';
import { GitHubClient } from '@ghr/github';
import type { GitHubAuth } from '@ghr/github';
import { LocalProcessProvider, openLocalStore } from '@ghr/local';
import type { LocalStore, RunnerCommand } from '@ghr/local';
import { resolveSecret } from './secrets.js';
import type { SecretSources } from './secrets.js';

/** Where a machine keeps its state, and what runs a runner. */
export interface LocalSetupOptions {
  /** `ghr.db` (ledger and queue) and `runners/` (the provider's records, work directories, logs). */
  readonly stateDir: string;
  /** A program for each runner instead of actions/runner (its JIT config is in ACTIONS_RUNNER_INPUT_JITCONFIG). */
  readonly runnerCommand?: RunnerCommand;
  readonly maxProcesses?: number;
  readonly logger?: Logger;
  readonly secrets: SecretSources;
}

/** A runner program: JavaScript files run with this Node.js, anything else is executed as it is. */
export function commandFor(file: string): RunnerCommand {
  return /\.(m?js|cjs)$/.test(file) ? { file: process.execPath, args: [resolve(file)] } : { file: resolve(file) };
}

/** The database file of a state directory. */
export const stateDatabase = (stateDir: string) => join(resolve(stateDir), 'ghr.db');

/**
 * The GitHub client of a config, its secrets read from the environment or files.
 *
 * @example
 * ```ts
 * const github = await githubClientFor(config, { env: process.env });
 * ```
 */
export async function githubClientFor(config: GhrConfig, secrets: SecretSources, logger?: Logger): Promise<GitHubClient> {
  const a = config.github.auth;
  let auth: GitHubAuth;
  if (a.kind === 'app') {
    const privateKey = await resolveSecret(a.privateKey, "the GitHub App's private key (github.auth.privateKey)", secrets);
    const installationIds: Record<string, number> = {};
    if (a.installationId !== undefined) {
      for (const pool of config.pools) {
        const login = pool.scope.kind === 'org' ? pool.scope.org : pool.scope.kind === 'repo' ? pool.scope.owner : undefined;
        if (login !== undefined) installationIds[login] = a.installationId;
      }
    }
    auth = { kind: 'app', appId: a.appId, privateKey, installationIds };
  } else {
    auth = { kind: 'token', token: await resolveSecret(a.token, 'the GitHub token (github.auth.token)', secrets) };
  }
  return new GitHubClient({ auth, githubUrl: config.github.url, apiUrl: config.github.apiUrl, ...(logger ? { logger } : {}) });
}

/** The webhook secret, and the previous one while rotating. */
export async function webhookSecretsFor(config: GhrConfig, secrets: SecretSources): Promise<string[]> {
  const out = [await resolveSecret(config.github.webhookSecret, 'the webhook secret (github.webhookSecret)', secrets)];
  if (config.github.previousWebhookSecret) {
    out.push(await resolveSecret(config.github.previousWebhookSecret, 'the previous webhook secret (github.previousWebhookSecret)', secrets));
  }
  return out;
}

/** The store and provider of a state directory. */
export function openLocal(options: LocalSetupOptions): { store: LocalStore; provider: LocalProcessProvider } {
  const root = resolve(options.stateDir);
  mkdirSync(root, { recursive: true });
  const store = openLocalStore({ path: stateDatabase(root) });
  const provider = new LocalProcessProvider({
    workRoot: join(root, 'runners'),
    ...(options.runnerCommand ? { command: options.runnerCommand } : {}),
    ...(options.maxProcesses === undefined ? {} : { maxProcesses: options.maxProcesses }),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return { store, provider };
}
