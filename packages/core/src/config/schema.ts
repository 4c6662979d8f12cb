// The zod schema of a ghr config file, as written (the *input*: durations as text, scopes in short form).
// Field-local rules (formats, ranges, cron, time zones) live here; rules across fields and pools live in
// `checks.ts`. Descriptions double as editor help (JSON Schema) and as hints in "is required" messages.
import { z } from 'zod';
import { isValidTimeZone } from '../schedule/time-zone.js';
import { checkWarmSchedule } from './cron-check.js';
import { DURATION_HINT, DURATION_PATTERN, parseDuration } from './duration.js';
import { insecureGitHubUrl } from './github-url.js';

const DURATION_RE = new RegExp(DURATION_PATTERN);

const MAX_DURATION_MS = 30 * 86_400_000;

/** A duration: `90s`, `5m`, `1h30m`, `2d`, or a number of seconds; at most 30 days. */
function duration(description: string, fallback: string) {
  return z
    .union(
      [
        z.number().min(0, { error: 'a duration cannot be negative' }),
        z.string().regex(DURATION_RE, { error: (issue) => `${JSON.stringify(issue.input)} is not a duration: ${DURATION_HINT}` }),
      ],
      { error: `expected a duration (${DURATION_HINT})` },
    )
    .superRefine((value, ctx) => {
      const parsed = parseDuration(value);
      // Malformed strings are reported by the regex above; this only bounds well-formed values.
      if (parsed.ok && parsed.ms > MAX_DURATION_MS) {
        const unit = typeof value === 'number' ? ' (numbers are seconds, not milliseconds)' : '';
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is longer than 30 days${unit}` });
      }
    })
    .default(fallback)
    .meta({ description: `${description} Default ${fallback}. Write 90s, 5m, 1h, 1h30m, 2d or a number of seconds.` });
}

const SECRET_HINT = 'reference the secret instead, e.g. { env: "GHR_WEBHOOK_SECRET" } or { ssm: "/ghr/webhook-secret" }';

/** A reference to a secret; the secret itself never appears in config. */
export const secretRefSchema = z
  .strictObject(
    {
      ssm: z
        .string()
        .regex(/^\S+$/, { error: 'an SSM parameter name has no whitespace, e.g. /ghr/webhook-secret' })
        .optional()
        .meta({ description: 'Name (or ARN) of an AWS SSM SecureString parameter, e.g. /ghr/webhook-secret.' }),
      env: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an environment variable name is letters, digits and _, e.g. GHR_WEBHOOK_SECRET' })
        .optional()
        .meta({ description: 'Name of an environment variable of the process that reads the config.' }),
      file: z.string().min(1).optional().meta({ description: 'Path of a file that holds the secret (e.g. the App private key PEM).' }),
    },
    {
      error: (issue) =>
        issue.code === 'invalid_type' && issue.input !== undefined
          ? `secrets are never written inline in config: ${SECRET_HINT}`
          : undefined,
    },
  )
  .superRefine((ref, ctx) => {
    const kinds = (['ssm', 'env', 'file'] as const).filter((k) => ref[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0
            ? `names no secret: ${SECRET_HINT}`
            : `names ${kinds.join(' and ')}: give exactly one of ssm, env or file`,
      });
    }
  })
  .meta({ description: 'Where the secret is: exactly one of { ssm }, { env } or { file }.', minProperties: 1, maxProperties: 1 });

const positiveId = (what: string) =>
  z
    .number({ error: (issue) => (issue.input === undefined ? undefined : `expected the ${what} as a number, e.g. 123456`) })
    .int()
    .positive();

const githubUrl = z
  .string()
  .default('https://github.com')
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a URL: write https://github.com, https://<host> (GHES) or https://<name>.ghe.com` });
      return;
    }
    const insecure = insecureGitHubUrl(url);
    if (insecure !== undefined) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} ${insecure}` });
    } else if (url.hostname === 'api.github.com' || /^api\.[^.]+\.ghe\.com$/.test(url.hostname)) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(value)} is an API URL: set url to the web address (https://github.com or https://<name>.ghe.com); the API URL is derived`,
      });
    } else if (url.search !== '' || url.hash !== '') {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} has a query or fragment: write only the origin, e.g. https://ghe.example.com` });
    }
  })
  .meta({
    description:
      'Web URL of GitHub: https://github.com (default), a GitHub Enterprise Server host (API at <url>/api/v3) or https://<name>.ghe.com (API at https://api.<name>.ghe.com).',
  });

const appAuthSchema = z
  .strictObject({
    kind: z.literal('app').meta({ description: 'Authenticate as a GitHub App (recommended for org and repo pools).' }),
    appId: positiveId('GitHub App id').meta({ description: "The GitHub App's id (App settings → About → App ID)." }),
    installationId: positiveId('installation id')
      .optional()
      .meta({ description: "The App's installation id; found from each pool's org or repository when omitted." }),
    privateKey: secretRefSchema.meta({ description: "Where the App's private key (PEM) is." }),
  })
  .meta({ description: 'GitHub App authentication.' });

const tokenAuthSchema = z
  .strictObject({
    kind: z.literal('token').meta({
      description:
        'Authenticate with a personal access token (classic). Required for enterprise pools: the enterprise runner endpoints do not accept GitHub App tokens.',
    }),
    token: secretRefSchema.meta({
      description: 'Where the token is. Enterprise pools need the manage_runners:enterprise scope; org pools admin:org; repo pools repo.',
    }),
  })
  .meta({ description: 'Personal access token (classic) authentication.' });

export const githubSchema = z
  .strictObject({
    url: githubUrl,
    apiUrl: z
      .url({ protocol: /^https?$/, error: 'expected an http(s) URL, e.g. https://ghe.example.com/api/v3' })
      .superRefine((value, ctx) => {
        const insecure = insecureGitHubUrl(value);
        if (insecure !== undefined) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} ${insecure}` });
      })
      .optional()
      .meta({ description: 'REST API base URL. Derived from url when omitted; set it only for a proxy or a test server.' }),
    auth: z
      .discriminatedUnion('kind', [appAuthSchema, tokenAuthSchema])
      .meta({ description: 'How ghr authenticates to the GitHub API: kind app (GitHub App) or token.' }),
    webhookSecret: secretRefSchema.meta({
      description: 'Where the webhook secret is (used to verify X-Hub-Signature-256 of every delivery).',
    }),
    previousWebhookSecret: secretRefSchema.optional().meta({
      description:
        'While rotating the webhook secret: where the previous one is. Deliveries signed with either verify; remove it once GitHub uses the new secret.',
    }),
  })
  .meta({ description: 'Which GitHub to talk to, and how.' });

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const SLUG = /^[A-Za-z0-9](?:[A-Za-z0-9-]*)$/;

export const scopeSchema = z
  .strictObject({
    org: z
      .string()
      .regex(LOGIN, { error: 'an organization login is letters, digits and hyphens, e.g. acme' })
      .optional()
      .meta({ description: 'Register runners in this organization.' }),
    repo: z
      .string()
      .regex(REPO, { error: 'write the repository as owner/name, e.g. acme/web' })
      .optional()
      .meta({ description: 'Register runners in this repository (owner/name).' }),
    enterprise: z
      .string()
      .regex(SLUG, { error: 'an enterprise slug is letters, digits and hyphens, e.g. acme-corp' })
      .optional()
      .meta({ description: 'Register runners in this enterprise (its slug). Needs github.auth.kind: token.' }),
    runnerGroup: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Runner group (org and enterprise scopes only). Default: the Default group.' }),
  })
  .superRefine((scope, ctx) => {
    const kinds = (['org', 'repo', 'enterprise'] as const).filter((k) => scope[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          kinds.length === 0
            ? 'names no target: give one of org, repo (owner/name) or enterprise, e.g. { org: acme }'
            : `names ${kinds.join(' and ')}: a pool registers in exactly one of org, repo or enterprise`,
      });
    }
  })
  .meta({
    description: 'Where the runners register: exactly one of org, repo (owner/name) or enterprise, plus an optional runnerGroup.',
    oneOf: [{ required: ['org'] }, { required: ['repo'] }, { required: ['enterprise'] }],
  });

const label = z
  .string()
  .min(1, { error: 'a label cannot be empty' })
  .max(256)
  .superRefine((value, ctx) => {
    if (/\s/.test(value)) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} contains whitespace: GitHub labels are single words, e.g. "linux-large"` });
    } else if (value.includes(',')) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} contains a comma: write each label as its own list item` });
    }
  });

export const warmWindowSchema = z
  .strictObject({
    schedule: z
      .string()
      .superRefine((value, ctx) => {
        const problem = checkWarmSchedule(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .meta({
        description:
          'Cron expression (minute hour day-of-month month day-of-week) naming every minute the window is active, e.g. "* 8-17 * * mon-fri" = 08:00-17:59 on weekdays. Quote it in YAML.',
      }),
    timeZone: z
      .string()
      .default('UTC')
      .superRefine((value, ctx) => {
        if (!isValidTimeZone(value)) {
          ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a time zone: use an IANA name such as "Europe/Berlin", "America/New_York" or "UTC"` });
        }
      })
      .meta({ description: 'IANA time zone of the schedule, e.g. Europe/Berlin. Default UTC.' }),
    size: z
      .number()
      .int()
      .min(1, { error: 'a warm window keeps at least 1 runner; remove the window for none' })
      .meta({ description: 'How many idle runners to keep while the window is active (at most maxRunners).' }),
  })
  .meta({ description: 'A window of warm (pre-started, idle) capacity.' });

export const poolSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, {
        error: 'a pool id is 1-32 lower-case letters, digits and inner hyphens, e.g. linux-large (it appears in runner names and tags)',
      })
      .meta({ description: 'Unique id of the pool: 1-32 lower-case letters, digits and hyphens; appears in runner names, tags and metrics.' }),
    labels: z
      .array(label)
      .min(1, { error: 'a pool needs at least one label, e.g. [self-hosted, linux, x64]' })
      .max(100, { error: 'GitHub accepts at most 100 labels per runner' })
      .meta({
        description:
          "The runner's labels, all of them: GitHub's implicit self-hosted/OS/arch labels are not added, so list them if jobs ask for them.",
      }),
    match: z
      .enum(['exact', 'subset'])
      .default('exact')
      .meta({
        description:
          "exact (default): serve jobs whose runs-on labels are this set; subset: any job whose labels are a subset of this pool's (GitHub's own rule, broader). Case-insensitive.",
      }),
    priority: z
      .number()
      .int()
      .default(0)
      .meta({ description: 'When several pools can serve a job, the highest priority wins; then the pool with fewest labels, then the first declared. Default 0.' }),
    scope: scopeSchema,
    ephemeral: z
      .boolean()
      .default(true)
      .meta({
        description:
          'One job per runner, then it is gone (GitHub recommends this for autoscaling). Default true. Each ephemeral runner gets its own just-in-time config, usable once. A non-ephemeral pool instead shares one registration token among the runners launched together: such a token registers any number of runners in the scope for an hour, so a machine that leaks it (user data, logs) lets anyone register runners there until it expires. Prefer ephemeral pools; keep non-ephemeral machines\' user data and logs private.',
      }),
    maxRunners: z
      .number()
      .int()
      .min(1, { error: 'maxRunners must be at least 1; remove the pool to disable it' })
      .max(10_000)
      .meta({ description: 'Most runners of this pool alive at once (launching, booting, idle, busy or draining), e.g. 10.' }),
    warm: z
      .array(warmWindowSchema)
      .default([])
      .meta({ description: 'Windows of warm capacity; when several are active the largest size applies. Default none.' }),
    idleTimeout: duration('An idle runner beyond the warm target is drained after being idle this long (at least 30s).', '5m'),
    minimumLifetime: duration('A runner is never drained before it has lived this long (e.g. 24h for macOS hosts).', '0s'),
    bootTimeout: duration('A runner that has not come online this long after launch is terminated (at least 30s).', '10m'),
    maxRuntime: duration('A runner older than this is terminated, even mid-job: longer than any job you run.', '24h'),
    drainOrder: z
      .enum(['oldest-first', 'newest-first'])
      .default('oldest-first')
      .meta({ description: 'Which idle runners go first when the pool has more than it wants. Default oldest-first.' }),
    instance: z
      .record(z.string(), z.unknown())
      .default({})
      .meta({ description: 'Provider-specific launch settings (for AWS: instance types, spot, subnets, AMI, disk); passed to the provider as is.' }),
  })
  .meta({ description: 'One runner configuration.' });

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().meta({ description: 'JSON Schema of this file, for editors.' }),
    github: githubSchema,
    pools: z
      .array(poolSchema)
      .min(1, { error: 'configure at least one pool' })
      .meta({ description: 'Runner pools. A job goes to the best pool whose labels match (see match and priority).' }),
  })
  .meta({ title: 'ghr configuration', description: 'Configuration of a ghr deployment: GitHub and runner pools.' });

/** A config as written (before defaults and normalization): what `defineConfig` takes. */
export type GhrConfigInput = z.input<typeof configSchema>;

/** The same config after schema parsing (defaults applied, durations still as written). */
export type ParsedConfig = z.output<typeof configSchema>;

