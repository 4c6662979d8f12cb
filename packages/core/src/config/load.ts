// Entry points: text (YAML or JSON) or an object → a validated GhrConfig, or every problem at once.
import { LineCounter, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import type { Pool, PoolScope } from '../domain.js';
import { checkConfig } from './checks.js';
import type { IndexedPool } from './checks.js';
import { ConfigError } from './config-error.js';
import type { ConfigIssue } from './config-error.js';
import { parseDuration } from './duration.js';
import { githubApiUrl } from './github-url.js';
import { formatPath, GENERIC, toConfigIssues } from './issues.js';
import { configSchema, githubSchema, poolSchema } from './schema.js';
import type { GhrConfigInput } from './schema.js';
import type { GhrConfig, GitHubConfig, SecretRef } from './types.js';

/** The outcome of {@link validateConfig}. */
export type ConfigValidation =
  | { readonly ok: true; readonly config: GhrConfig }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** Options of {@link parseConfig}. */
export interface ParseConfigOptions {
  /** `yaml` or `json`; by default JSON when the text starts with `{`, else YAML (a superset of JSON). */
  readonly format?: 'yaml' | 'json';
  /** A name for messages, e.g. the file name. */
  readonly source?: string;
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** A name for messages, e.g. the file name. */
  readonly source?: string;
}

const errorMap = (): string => GENERIC;

/** `value` without the keys `shape` does not know (already reported), so a typo hides no cross-field problem. */
function known(value: unknown, shape: Record<string, unknown>): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key in shape));
}

function ms(value: string | number): number {
  const parsed = parseDuration(value);
  // The schema accepted the value, so it parses.
  return parsed.ok ? parsed.ms : Number.NaN;
}

function toScope(scope: { org?: string; repo?: string; enterprise?: string; runnerGroup?: string }): PoolScope {
  const group = scope.runnerGroup === undefined ? {} : { runnerGroup: scope.runnerGroup };
  if (scope.repo !== undefined) {
    const [owner = '', repo = ''] = scope.repo.split('/');
    return { kind: 'repo', owner, repo, ...group };
  }
  if (scope.enterprise !== undefined) return { kind: 'enterprise', enterprise: scope.enterprise, ...group };
  return { kind: 'org', org: scope.org ?? '', ...group };
}

function toPool(raw: ReturnType<typeof poolSchema.parse>): Pool {
  return {
    id: raw.id,
    labels: raw.labels,
    match: raw.match,
    priority: raw.priority,
    scope: toScope(raw.scope),
    ephemeral: raw.ephemeral,
    maxRunners: raw.maxRunners,
    warm: raw.warm.map((w) => ({ schedule: w.schedule, timeZone: w.timeZone, size: w.size })),
    idleTimeout: ms(raw.idleTimeout),
    minimumLifetime: ms(raw.minimumLifetime),
    bootTimeout: ms(raw.bootTimeout),
    maxRuntime: ms(raw.maxRuntime),
    drainOrder: raw.drainOrder,
    instance: raw.instance,
  };
}

function toGitHub(raw: ReturnType<typeof githubSchema.parse>): GitHubConfig {
  const url = raw.url.replace(/\/+$/, '');
  const secret = (ref: { ssm?: string; env?: string; file?: string }): SecretRef =>
    ref.ssm !== undefined ? { ssm: ref.ssm } : ref.env !== undefined ? { env: ref.env } : { file: ref.file ?? '' };
  const auth =
    raw.auth.kind === 'app'
      ? {
          kind: 'app' as const,
          appId: raw.auth.appId,
          ...(raw.auth.installationId === undefined ? {} : { installationId: raw.auth.installationId }),
          privateKey: secret(raw.auth.privateKey),
        }
      : { kind: 'token' as const, token: secret(raw.auth.token) };
  return {
    url,
    apiUrl: (raw.apiUrl ?? githubApiUrl(url)).replace(/\/+$/, ''),
    auth,
    webhookSecret: secret(raw.webhookSecret),
    ...(raw.previousWebhookSecret === undefined ? {} : { previousWebhookSecret: secret(raw.previousWebhookSecret) }),
  };
}

/**
 * Validates a config object (as read from YAML/JSON, or written in TypeScript) without throwing: the config with
 * every default applied and durations in milliseconds, or every problem found, each with its path and a hint.
 *
 * @example
 * ```ts
 * const result = validateConfig(JSON.parse(text));
 * if (!result.ok) for (const issue of result.issues) console.error(`${issue.path}: ${issue.message}`);
 * ```
 */
export function validateConfig(input: unknown): ConfigValidation {
  const whole = configSchema.safeParse(input, { error: errorMap });
  const issues: ConfigIssue[] = whole.success ? [] : toConfigIssues(whole.error.issues, configSchema, input);
  // Cross-field rules run on every part that passed the schema, so one broken pool hides no other problem.
  const object = input !== null && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  const github = githubSchema.safeParse(known(object.github, githubSchema.shape));
  const pools: IndexedPool[] = [];
  if (Array.isArray(object.pools)) {
    object.pools.forEach((raw, index) => {
      const parsed = poolSchema.safeParse(known(raw, poolSchema.shape));
      if (parsed.success) pools.push({ index, pool: toPool(parsed.data) });
    });
  }
  const gitHubConfig = github.success ? toGitHub(github.data) : undefined;
  issues.push(...checkConfig(gitHubConfig, pools));
  // Group by pool, in declaration order (a stable sort keeps each pool's issues in schema-then-rule order).
  const poolIndex = (issue: ConfigIssue): number => Number(/^pools\[(\d+)\]/.exec(issue.path)?.[1] ?? -1);
  issues.sort((a, b) => poolIndex(a) - poolIndex(b));
  if (issues.length > 0 || !whole.success || !gitHubConfig) return { ok: false, issues };
  return { ok: true, config: { github: gitHubConfig, pools: pools.map((p) => p.pool) } };
}

/**
 * Validates a config object and returns it with every default applied (durations in milliseconds, scopes as
 * `PoolScope`).
 *
 * @throws ConfigError listing every problem, each with its path and a fix hint.
 * @example
 * ```ts
 * const config = loadConfig({
 *   github: { auth: { kind: 'app', appId: 123, privateKey: { ssm: '/ghr/app-key' } }, webhookSecret: { env: 'GHR_WEBHOOK_SECRET' } },
 *   pools: [{ id: 'linux', labels: ['self-hosted', 'linux', 'x64'], scope: { org: 'acme' }, maxRunners: 10 }],
 * });
 * config.pools[0]?.idleTimeout; // 300000
 * ```
 */
export function loadConfig(input: unknown, options: LoadConfigOptions = {}): GhrConfig {
  const result = validateConfig(input);
  if (!result.ok) throw new ConfigError(result.issues, options);
  return result.config;
}

function jsonPosition(text: string, message: string): { line: number; column: number } | undefined {
  const match = /position (\d+)/.exec(message);
  if (!match) return undefined;
  const offset = Number(match[1]);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

function yamlHint(code: string): string {
  switch (code) {
    case 'BAD_ALIAS':
      return '; a value that starts with * must be quoted, e.g. schedule: "* 8-17 * * 1-5"';
    case 'TAB_AS_INDENT':
      return '; indent with spaces';
    case 'DUPLICATE_KEY':
      return '; remove or rename one of them';
    default:
      return '';
  }
}

/** Adds source positions to issues whose path exists in the YAML document. */
function locate(issues: readonly ConfigIssue[], doc: Document, lines: LineCounter, paths: Map<string, PropertyKey[]>): ConfigIssue[] {
  return issues.map((issue) => {
    // A missing key is located at its parent.
    let key = issue.path;
    let path = paths.get(key);
    while (!path && key !== '') {
      // Drop the last segment: `.name`, `[3]`, or a leading `name` (a missing top-level key).
      const parent = key.replace(/(\.?[A-Za-z_$][\w$]*|\[[^\]]*\])$/, '');
      key = parent === key ? '' : parent; // a segment this pattern cannot drop: locate at the document
      path = paths.get(key);
    }
    if (!path) return issue;
    // The deepest node that exists along the path (the parent, for a missing key).
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range) {
        const { line, col } = lines.linePos(range[0]);
        return { ...issue, line, column: col };
      }
    }
    return issue;
  });
}

/** Every path prefix of a value, keyed by its formatted form (to map issue paths back to YAML nodes). */
function indexPaths(value: unknown, path: PropertyKey[] = [], out = new Map<string, PropertyKey[]>()): Map<string, PropertyKey[]> {
  out.set(formatPath(path), path);
  if (Array.isArray(value)) value.forEach((item, i) => indexPaths(item, [...path, i], out));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) indexPaths(item, [...path, key], out);
  }
  return out;
}

/**
 * Parses config text (YAML or JSON) and validates it. YAML syntax errors, schema problems and cross-field rules
 * are all reported at once, with line and column where the text has them; never a stack trace.
 *
 * @throws ConfigError listing every problem, each with its path, a fix hint and (for YAML) its line.
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * const config = parseConfig(readFileSync('ghr.config.yaml', 'utf8'), { source: 'ghr.config.yaml' });
 * ```
 */
export function parseConfig(text: string, options: ParseConfigOptions = {}): GhrConfig {
  const format = options.format ?? (text.trimStart().startsWith('{') ? 'json' : 'yaml');
  const errorOptions = options.source === undefined ? {} : { source: options.source };
  if (format === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      const position = jsonPosition(text, message);
      throw new ConfigError(
        [{ path: '', message: `not valid JSON: ${message.replace(/ in JSON at position \d+.*$/s, '')}`, ...(position ?? {}) }],
        { ...errorOptions, cause },
      );
    }
    return loadConfig(value, errorOptions);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error) => {
      const { line, col } = lines.linePos(error.pos[0]);
      return { path: '', message: `YAML syntax: ${error.message}${yamlHint(error.code)}`, line, column: col };
    });
    throw new ConfigError(issues, errorOptions);
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  const result = validateConfig(value);
  if (!result.ok) {
    // In file order; issues without a position (none expected) last.
    const located = locate(result.issues, doc, lines, indexPaths(value));
    const rank = (i: ConfigIssue): number => (i.line ?? Number.MAX_SAFE_INTEGER) * 10_000 + (i.column ?? 0);
    throw new ConfigError(located.sort((a, b) => rank(a) - rank(b)), errorOptions);
  }
  return result.config;
}

/**
 * Types a config written in TypeScript (editor completion and checks); returns it unchanged. Validate it with
 * {@link loadConfig} before use.
 *
 * @example
 * ```ts
 * export const config = defineConfig({
 *   github: { auth: { kind: 'app', appId: 123, privateKey: { ssm: '/ghr/app-key' } }, webhookSecret: { ssm: '/ghr/webhook-secret' } },
 *   pools: [{ id: 'linux', labels: ['self-hosted', 'linux', 'x64'], scope: { org: 'acme' }, maxRunners: 20 }],
 * });
 * ```
 */
export function defineConfig<const T extends GhrConfigInput>(config: T): T {
  return config;
}
