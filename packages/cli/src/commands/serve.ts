// `ghr serve --config <file>`: a GitHub App deployment on this machine (see serve/runtime.ts).
import type { Command } from 'commander';
import { parseDuration } from '@ghr/core';
import type { GhrConfig } from '@ghr/core';
import { loadConfigFile } from '../config.js';
import { EXIT } from '../io.js';
import { commandFor, githubClientFor, openLocal, webhookSecretsFor } from '../serve/local-setup.js';
import { streamLogger } from '../serve/logger.js';
import type { LogLevel } from '../serve/logger.js';
import { SERVE_DEFAULTS, startServe } from '../serve/runtime.js';
import { UsageError } from './context.js';
import type { CommandContext } from './context.js';

const SERVE_HELP = `
Endpoints: POST /webhook (the GitHub App's webhook URL), GET /healthz, GET /metrics (Prometheus text).
Secrets in the config are { env: NAME } or { file: path } references on one machine.
SIGTERM or SIGINT stops it gracefully: the running step finishes and the queue stays consistent.
`;

/** Registers `ghr serve`. */
export function registerServeCommand(program: Command, context: CommandContext): void {
  program
    .command('serve')
    .summary('run ghr for a real GitHub App on this machine (webhooks, SQLite, runner processes)')
    .description('Serves the GitHub App webhook, scales runners up from a SQLite queue and sweeps on a timer; runners are processes on this machine.')
    .requiredOption('--config <file>', 'ghr config (YAML or JSON)')
    .option('--state-dir <dir>', 'ledger, queue and runner work directories', '.ghr')
    .option('--host <host>', 'address to listen on', SERVE_DEFAULTS.host)
    .option('--port <port>', 'port to listen on', String(SERVE_DEFAULTS.port))
    .option('--sweep-interval <duration>', 'full reconcile every (e.g. 60s, 2m)', '60s')
    .option('--listing-interval <duration>', "list GitHub's runners and the local processes at most every (the sweeps between reconcile from the ledger; GitHub API budget)", '5m')
    .option('--runner-command <file>', 'program started for each runner instead of actions/runner (JIT config in ACTIONS_RUNNER_INPUT_JITCONFIG)')
    .option('--max-processes <n>', 'most runner processes at once (default: the CPU count)')
    .option('--log-level <level>', 'debug, info, warn or error', 'info')
    .option('--log-json', 'log one JSON object per line', false)
    .addHelpText('after', SERVE_HELP)
    .action(async (options: Record<string, string | boolean | undefined>) => {
      context.exitCode = await serveAction(options, context);
    });
}

async function serveAction(options: Record<string, string | boolean | undefined>, context: CommandContext): Promise<number> {
  const { io } = context;
  const str = (k: string) => (typeof options[k] === 'string' ? (options[k] as string) : undefined);
  let config: GhrConfig;
  let port: number;
  let sweepInterval: number;
  let listingInterval: number;
  let maxProcesses: number | undefined;
  const level = (str('logLevel') ?? 'info') as LogLevel;
  try {
    if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new UsageError(`--log-level must be debug, info, warn or error, got "${level}".`);
    port = Number(str('port'));
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be 0-65535, got "${str('port')}".`);
    const sweep = parseDuration(str('sweepInterval') ?? '60s');
    if (!sweep.ok || sweep.ms < 1_000) throw new UsageError(`--sweep-interval must be a duration of at least 1s (e.g. 60s, 2m), got "${str('sweepInterval')}".`);
    sweepInterval = sweep.ms;
    const listing = parseDuration(str('listingInterval') ?? '5m');
    if (!listing.ok) throw new UsageError(`--listing-interval must be a duration (e.g. 5m, 60s, 0s to list in every sweep), got "${str('listingInterval')}".`);
    listingInterval = listing.ms;
    if (str('maxProcesses') !== undefined) {
      maxProcesses = Number(str('maxProcesses'));
      if (!Number.isInteger(maxProcesses) || maxProcesses < 1) throw new UsageError(`--max-processes must be a whole number >= 1, got "${str('maxProcesses')}".`);
    }
    config = await loadConfigFile(str('config') ?? '');
  } catch (error) {
    io.stderr(`ghr serve: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  const logger = streamLogger((line) => io.stderr(line), { level, json: options['logJson'] === true });
  const secrets = { env: context.env };
  let github;
  let webhookSecrets: string[];
  try {
    github = await githubClientFor(config, secrets, logger);
    webhookSecrets = await webhookSecretsFor(config, secrets);
  } catch (error) {
    io.stderr(`ghr serve: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  const runnerCommand = str('runnerCommand');
  const { store, provider } = openLocal({
    stateDir: str('stateDir') ?? '.ghr',
    ...(runnerCommand ? { runnerCommand: commandFor(runnerCommand) } : {}),
    ...(maxProcesses === undefined ? {} : { maxProcesses }),
    logger,
    secrets,
  });
  try {
    const serve = await startServe({
      pools: config.pools,
      ledger: store.ledger,
      queue: store.queue,
      provider,
      github,
      webhookSecrets,
      host: str('host') ?? SERVE_DEFAULTS.host,
      port,
      sweepInterval,
      logger,
      engineOptions: { githubUrl: config.github.url, listingInterval },
      gauges: () => {
        const depth = store.queue.depth();
        const limits = Object.values(github.stats().rateLimits);
        return [
          { name: 'queue_messages', help: 'Queue messages by state.', samples: [
            { labels: { state: 'visible' }, value: depth.visible },
            { labels: { state: 'in_flight' }, value: depth.inFlight },
            { labels: { state: 'dead_letter' }, value: depth.deadLetters },
          ] },
          { name: 'github_rate_limit_remaining', help: "GitHub's remaining request budget, as last seen.", samples: limits.map((l) => ({ labels: { resource: l.resource }, value: l.remaining })) },
        ];
      },
    });
    io.stderr(`ghr serve: listening on ${serve.url}; point the GitHub App's webhook URL at ${serve.webhookUrl} (Ctrl-C stops)\n`);
    await context.waitForStop();
    await serve.close();
    return EXIT.ok;
  } catch (error) {
    io.stderr(`ghr serve: ${(error as Error).message}\n`);
    return EXIT.failure;
  } finally {
    store.close();
  }
}
