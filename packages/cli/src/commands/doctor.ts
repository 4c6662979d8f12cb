// `ghr doctor`: checks a one-machine deployment, each check ✔ or ✘ with what to do.
import { access, constants, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { runnerScopeOf, scopeKey } from '@ghr/core';
import type { GhrConfig } from '@ghr/core';
import { loadConfigFile } from '../config.js';
import { EXIT } from '../io.js';
import { commandFor, githubClientFor, openLocal, webhookSecretsFor } from '../serve/local-setup.js';
import type { CommandContext } from './context.js';

/** One check's outcome. */
export interface DoctorCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What to do when it failed. */
  readonly fix?: string;
}

const PERMISSION_FIX: Record<string, string> = {
  org: 'give the GitHub App the organization permission "Self-hosted runners: Read and write" and accept it in the installation',
  repo: 'give the GitHub App the repository permission "Administration: Read and write" and accept it in the installation',
  enterprise: 'use a classic token with manage_runners:enterprise (enterprise runners refuse App tokens)',
};

/** Registers `ghr doctor`. */
export function registerDoctorCommand(program: Command, context: CommandContext): void {

  program
    .command('doctor')
    .summary('check config, App authentication and permissions, webhook settings and the runner provider')
    .description('Runs every check and prints ✔ or ✘ with what to do; exit code 1 when one failed.')
    .requiredOption('--config <file>', 'ghr config (YAML or JSON)')
    .option('--state-dir <dir>', 'the state directory of ghr serve', '.ghr')
    .option('--webhook-url <url>', "also check that ghr serve answers at this URL (the App's webhook URL)")
    .option('--runner-command <file>', 'the program ghr serve starts for each runner, if not actions/runner')
    .option('--json', 'print one JSON object: { ok, checks }', false)
    .action(async (options: { config: string; stateDir: string; webhookUrl?: string; runnerCommand?: string; json: boolean }) => {
      const { io } = context;
      const checks: DoctorCheck[] = [];
      const report = (check: DoctorCheck) => {
        checks.push(check);
        if (!options.json) io.stdout(`${check.ok ? '✔' : '✘'} ${check.name}: ${check.detail}${check.ok || !check.fix ? '' : `\n    → ${check.fix}`}\n`);
      };
      let config: GhrConfig | undefined;
      try {
        config = await loadConfigFile(options.config);
        report({ name: 'config', ok: true, detail: `${options.config} is valid (${config.pools.length} pools)` });
      } catch (error) {
        report({ name: 'config', ok: false, detail: (error as Error).message, fix: `fix the file; "ghr config check ${options.config}" lists every problem` });
      }
      if (config) await runChecks(config, options, context.env, report);
      if (options.json) io.stdout(`${JSON.stringify({ ok: checks.every((c) => c.ok), checks })}\n`);
      context.exitCode = checks.every((c) => c.ok) ? EXIT.ok : EXIT.failure;
    });
}

async function runChecks(
  config: GhrConfig,
  options: { stateDir: string; webhookUrl?: string; runnerCommand?: string },
  env: Readonly<Record<string, string | undefined>>,
  report: (check: DoctorCheck) => void,
): Promise<void> {
  const secrets = { env };
  const signal = AbortSignal.timeout(60_000);
  try {
    const [secret] = await webhookSecretsFor(config, secrets);
    const weak = (secret ?? '').length < 16;
    report({ name: 'webhook secret', ok: !weak, detail: weak ? 'set, but shorter than 16 characters' : 'set', ...(weak ? { fix: 'use a long random secret, e.g. `openssl rand -hex 32`, in the App and in ghr' } : {}) });
  } catch (error) {
    report({ name: 'webhook secret', ok: false, detail: (error as Error).message, fix: 'set the secret where github.webhookSecret points (an environment variable or a file)' });
  }
  let client: Awaited<ReturnType<typeof githubClientFor>> | undefined;
  try {
    client = await githubClientFor(config, secrets);
  } catch (error) {
    report({ name: 'GitHub credentials', ok: false, detail: (error as Error).message, fix: 'set the App private key (or token) where github.auth points' });
  }
  if (client) {
    try {
      const failed = await client.listFailedDeliveries(Date.now() - 3_600_000, signal);
      report({
        name: 'App authentication and webhook deliveries',
        ok: failed.length === 0,
        detail: failed.length === 0 ? 'the App authenticates; no failed webhook delivery in the last hour' : `${failed.length} webhook deliveries failed in the last hour (last status ${failed[0]?.statusCode})`,
        ...(failed.length === 0 ? {} : { fix: "set the App's webhook URL to ghr serve's https://<host>/webhook, content type application/json, the same secret, and subscribe to the Workflow job event" }),
      });
    } catch (error) {
      report({ name: 'App authentication and webhook deliveries', ok: false, detail: (error as Error).message, fix: 'check the App id and private key (App settings → General), and that the App has a webhook' });
    }
    const seen = new Set<string>();
    for (const pool of config.pools) {
      const scope = runnerScopeOf(pool.scope);
      const key = scopeKey(scope);
      if (seen.has(key)) continue;
      seen.add(key);
      try {
        const runners = await client.listRunners(scope, signal);
        await client.createRegistrationToken(scope, signal);
        report({ name: `runner permissions for ${key}`, ok: true, detail: `can list (${runners.length} registered) and register runners` });
      } catch (error) {
        report({ name: `runner permissions for ${key}`, ok: false, detail: (error as Error).message, fix: `install the App on ${key.split('/').slice(1).join('/')} and ${PERMISSION_FIX[scope.kind] ?? ''}` });
      }
    }
    const core = client.stats().rateLimits['core'];
    if (core) report({ name: 'GitHub rate budget', ok: core.remaining > 100, detail: `${core.remaining}/${core.limit} requests left this hour`, fix: 'wait for the reset, or lower the sweep frequency' });
  }
  try {
    const root = resolve(options.stateDir);
    await mkdir(root, { recursive: true });
    await access(root, constants.W_OK);
    if (options.runnerCommand) await access(options.runnerCommand, /\.(m?js|cjs)$/.test(options.runnerCommand) ? constants.R_OK : constants.X_OK);
    const { store, provider } = openLocal({ stateDir: options.stateDir, secrets, ...(options.runnerCommand ? { runnerCommand: commandFor(options.runnerCommand) } : {}) });
    try {
      const instances = await provider.list({}, signal);
      report({ name: 'runner provider (local processes)', ok: true, detail: `${root} is writable; ${instances.filter((i) => i.state !== 'terminated').length} runner processes alive${options.runnerCommand ? `; ${options.runnerCommand} is executable` : ''}` });
    } finally {
      store.close();
    }
  } catch (error) {
    report({ name: 'runner provider (local processes)', ok: false, detail: (error as Error).message, fix: 'make the state directory writable by the user that runs ghr serve, and the runner command executable' });
  }
  if (options.webhookUrl) {
    try {
      const response = await fetch(options.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'ping', 'x-github-delivery': 'ghr-doctor' }, body: '{}', signal: AbortSignal.timeout(10_000) });
      const ok = response.status === 401;
      report({ name: 'webhook endpoint', ok, detail: `${options.webhookUrl} answered ${response.status} to an unsigned delivery${ok ? ' (ghr serve refuses it, as it should)' : ''}`, ...(ok ? {} : { fix: 'point the URL at ghr serve\'s /webhook and make it reachable from GitHub' }) });
    } catch (error) {
      report({ name: 'webhook endpoint', ok: false, detail: `${options.webhookUrl}: ${(error as Error).message}`, fix: 'start ghr serve and make the URL reachable (a reverse proxy or tunnel to its port)' });
    }
  }
}
