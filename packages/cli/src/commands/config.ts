// `ghr config check <file>` and `ghr config schema`.
import type { Command } from 'commander';
import { formatDuration } from '@ghr/core';
import { ConfigError, configJsonSchema } from '@ghr/core/config';
import { loadConfigFile } from '../config.js';
import { EXIT } from '../io.js';
import type { CommandContext } from './context.js';

/** Registers `ghr config check` and `ghr config schema`. */
export function registerConfigCommands(program: Command, context: CommandContext): void {
  const config = program.command('config').summary('check a config file, or print its JSON Schema').description('Work with ghr config files.');
  config
    .command('check')
    .argument('<file>', 'ghr config (YAML or JSON)')
    .description('Validates a config file and lists its pools; every problem is reported with its path and a hint.')
    .option('--json', 'print one JSON object: { ok, pools } or { ok: false, issues }', false)
    .action(async (file: string, options: { json?: boolean }) => {
      const { io } = context;
      try {
        const parsed = await loadConfigFile(file);
        if (options.json) {
          io.stdout(`${JSON.stringify({ ok: true, github: { url: parsed.github.url, apiUrl: parsed.github.apiUrl, auth: parsed.github.auth.kind }, pools: parsed.pools })}\n`);
        } else {
          io.stdout(`✔ ${file} is a valid ghr config: GitHub ${parsed.github.url} (${parsed.github.auth.kind} auth), ${parsed.pools.length} pool(s)\n`);
          for (const p of parsed.pools) {
            const scope = p.scope.kind === 'org' ? `org ${p.scope.org}` : p.scope.kind === 'repo' ? `repo ${p.scope.owner}/${p.scope.repo}` : `enterprise ${p.scope.enterprise}`;
            io.stdout(`  ${p.id.padEnd(20)} [${p.labels.join(', ')}] (${p.match}), ${scope}, max ${p.maxRunners}, idle ${formatDuration(p.idleTimeout)}${p.warm.length > 0 ? `, ${p.warm.length} warm window(s)` : ''}\n`);
          }
        }
        context.exitCode = EXIT.ok;
      } catch (error) {
        if (options.json && error instanceof ConfigError) io.stdout(`${JSON.stringify({ ok: false, issues: error.issues })}\n`);
        io.stderr(`✘ ${(error as Error).message}\n`);
        context.exitCode = EXIT.usage;
      }
    });
  config
    .command('schema')
    .description('Prints the JSON Schema of ghr config files (for editors: "# yaml-language-server: $schema=...").')
    .action(() => {
      context.io.stdout(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
      context.exitCode = EXIT.ok;
    });
}
