import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { GhrError } from '../errors.js';
import { ConfigError } from './config-error.js';
import type { ConfigIssue } from './config-error.js';
import { defineConfig, loadConfig, parseConfig, validateConfig } from './load.js';

type Obj = Record<string, unknown>;

function pool(overrides: Obj = {}): Obj {
  return { id: 'linux', labels: ['self-hosted', 'linux', 'x64'], scope: { org: 'acme' }, maxRunners: 10, ...overrides };
}

function config(pools: Obj[] = [pool()], github: Obj = {}): Obj {
  return {
    github: {
      auth: { kind: 'app', appId: 42, privateKey: { ssm: '/ghr/app-key' } },
      webhookSecret: { env: 'GHR_WEBHOOK_SECRET' },
      ...github,
    },
    pools,
  };
}

function issues(input: unknown): readonly ConfigIssue[] {
  const result = validateConfig(input);
  if (result.ok) throw new Error('expected the config to be rejected');
  return result.issues;
}

/** The one issue at `path`. */
function issueAt(input: unknown, path: string): string {
  const found = issues(input).filter((i) => i.path === path);
  expect(found.map((i) => i.path), JSON.stringify(issues(input))).toEqual([path]);
  return (found[0] as ConfigIssue).message;
}

describe('loadConfig', () => {
  it('applies every documented default', () => {
    // Act
    const loaded = loadConfig(config());
    // Assert
    expect(loaded.github).toEqual({
      url: 'https://github.com',
      apiUrl: 'https://api.github.com',
      auth: { kind: 'app', appId: 42, privateKey: { ssm: '/ghr/app-key' } },
      webhookSecret: { env: 'GHR_WEBHOOK_SECRET' },
    });
    expect(loaded.pools).toEqual([
      {
        id: 'linux',
        labels: ['self-hosted', 'linux', 'x64'],
        match: 'exact',
        priority: 0,
        scope: { kind: 'org', org: 'acme' },
        ephemeral: true,
        maxRunners: 10,
        warm: [],
        idleTimeout: 300_000,
        minimumLifetime: 0,
        bootTimeout: 600_000,
        maxRuntime: 86_400_000,
        drainOrder: 'oldest-first',
        instance: {},
      },
    ]);
  });

  it('normalizes scopes, durations and the GitHub URLs', () => {
    const loaded = loadConfig(
      config(
        [
          pool({ id: 'a', scope: { repo: 'acme/web' }, idleTimeout: 90, bootTimeout: '1h30m', warm: [{ schedule: '* 8-17 * * mon-fri', size: 2 }] }),
          pool({ id: 'b', labels: ['big'], scope: { enterprise: 'acme-corp', runnerGroup: 'linux' } }),
        ],
        { url: 'https://ghe.example.com/', auth: { kind: 'token', token: { file: '/run/secrets/pat' } } },
      ),
    );
    expect(loaded.github.url).toBe('https://ghe.example.com');
    expect(loaded.github.apiUrl).toBe('https://ghe.example.com/api/v3');
    expect(loaded.github.auth).toEqual({ kind: 'token', token: { file: '/run/secrets/pat' } });
    expect(loaded.pools[0]?.scope).toEqual({ kind: 'repo', owner: 'acme', repo: 'web' });
    expect(loaded.pools[0]?.idleTimeout).toBe(90_000);
    expect(loaded.pools[0]?.bootTimeout).toBe(5_400_000);
    expect(loaded.pools[0]?.warm).toEqual([{ schedule: '* 8-17 * * mon-fri', timeZone: 'UTC', size: 2 }]);
    expect(loaded.pools[1]?.scope).toEqual({ kind: 'enterprise', enterprise: 'acme-corp', runnerGroup: 'linux' });
  });

  it('derives the ghe.com API host and keeps an explicit apiUrl', () => {
    expect(loadConfig(config(undefined, { url: 'https://octo.ghe.com' })).github.apiUrl).toBe('https://api.octo.ghe.com');
    const local = loadConfig(config(undefined, { url: 'http://127.0.0.1:9000', apiUrl: 'http://127.0.0.1:9000/api/' }));
    expect(local.github.apiUrl).toBe('http://127.0.0.1:9000/api');
  });

  it('throws a ConfigError (a GhrError with code invalid-config) listing every problem', () => {
    // Arrange
    const input = config([pool({ maxRunners: 0 }), pool({ id: 'Bad Id' })]);
    // Act
    let caught: unknown;
    try {
      loadConfig(input, { source: 'ghr.config.yaml' });
    } catch (error) {
      caught = error;
    }
    // Assert
    expect(caught).toBeInstanceOf(ConfigError);
    expect(caught).toBeInstanceOf(GhrError);
    const error = caught as ConfigError;
    expect(error.name).toBe('ConfigError');
    expect(error.code).toBe('invalid-config');
    expect(error.retryable).toBe(false);
    expect(error.issues.map((i) => i.path)).toEqual(['pools[0].maxRunners', 'pools[1].id']);
    expect(error.message).toMatch(/^Invalid ghr config in ghr\.config\.yaml: 2 problems/);
    expect(error.message).toContain('  - pools[0].maxRunners: maxRunners must be at least 1');
    expect(error.message).toContain('  - pools[1].id: a pool id is 1-32 lower-case letters');
    expect(error.stack).toBeDefined();
    expect(error.message).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

describe('validateConfig: schema problems', () => {
  it.each<[string, Obj, string, RegExp]>([
    ['a missing required field, with its description', config([{ ...pool(), maxRunners: undefined }]), 'pools[0].maxRunners', /^is required: Most runners/],
    ['a typo in a key', config([{ ...pool(), maxRunner: 3 }]), 'pools[0].maxRunner', /^unknown key; did you mean "maxRunners"\?$/],
    ['a typo in a nested key', config(undefined, { auth: { kind: 'app', appId: 1, privateKey: { ssm: '/k' }, instalationId: 3 } }), 'github.auth.instalationId', /did you mean "installationId"/],
    ['an unknown top-level key', { ...config(), pool: [] }, 'pool', /did you mean "pools"/],
    ['an unknown key far from any', config([{ ...pool(), colour: 'red' }]), 'pools[0].colour', /^unknown key; expected one of id, labels, match/],
    ['a wrong enum value', config([pool({ match: 'Exact' })]), 'pools[0].match', /^"Exact" is not one of "exact", "subset"; did you mean "exact"\?$/],
    ['a wrong drain order', config([pool({ drainOrder: 'lifo' })]), 'pools[0].drainOrder', /is not one of "oldest-first", "newest-first"/],
    ['labels written as one string', config([pool({ labels: 'self-hosted, linux' })]), 'pools[0].labels', /^expected a list, got "self-hosted, linux"; write a list, e.g. \[self-hosted, linux\]$/],
    ['empty labels', config([pool({ labels: [] })]), 'pools[0].labels', /at least one label/],
    ['a label with whitespace', config([pool({ labels: ['self-hosted', 'linux large'] })]), 'pools[0].labels[1]', /"linux large" contains whitespace/],
    ['a label with a comma', config([pool({ labels: ['linux,x64'] })]), 'pools[0].labels[0]', /contains a comma/],
    ['an empty label', config([pool({ labels: [''] })]), 'pools[0].labels[0]', /a label cannot be empty/],
    ['a quoted number', config([pool({ maxRunners: '10' })]), 'pools[0].maxRunners', /^expected a number, got "10"; remove the quotes$/],
    ['a fractional number', config([pool({ maxRunners: 1.5 })]), 'pools[0].maxRunners', /whole number/],
    ['a huge maxRunners', config([pool({ maxRunners: 1_000_000 })]), 'pools[0].maxRunners', /maximum is 10000/],
    ['a bad pool id', config([pool({ id: 'Linux_Small' })]), 'pools[0].id', /lower-case letters/],
    ['a bad duration', config([pool({ idleTimeout: '5 min' })]), 'pools[0].idleTimeout', /^"5 min" is not a duration: write 90s, 5m, 1h, 1h30m, 2d or a number of seconds$/],
    ['a negative duration', config([pool({ bootTimeout: -5 })]), 'pools[0].bootTimeout', /cannot be negative/],
    ['a duration of the wrong type', config([pool({ maxRuntime: true })]), 'pools[0].maxRuntime', /^expected a duration/],
    ['milliseconds written as seconds', config([pool({ maxRuntime: 86_400_000 })]), 'pools[0].maxRuntime', /longer than 30 days \(numbers are seconds, not milliseconds\)/],
    ['a bad cron expression', config([pool({ warm: [{ schedule: '* 8-18 * * 1-5x', size: 1 }] })]), 'pools[0].warm[0].schedule', /^"\* 8-18 \* \* 1-5x" is not a cron expression \(5 fields: minute hour day-of-month month day-of-week\): day-of-week/],
    ['a cron with six fields', config([pool({ warm: [{ schedule: '0 * 8-17 * * 1-5', size: 1 }] })]), 'pools[0].warm[0].schedule', /expected 5 fields/],
    ['a cron macro', config([pool({ warm: [{ schedule: '@daily', size: 1 }] })]), 'pools[0].warm[0].schedule', /macros like @daily are not supported/],
    ['a one-minute warm window', config([pool({ warm: [{ schedule: '0 8-17 * * 1-5', size: 1 }] })]), 'pools[0].warm[0].schedule', /one minute per hour only.*write "\* 8-17 \* \* 1-5"/],
    ['a warm window that is never active', config([pool({ warm: [{ schedule: '* * 31 2 *', size: 1 }] })]), 'pools[0].warm[0].schedule', /is never active/],
    ['an unknown time zone', config([pool({ warm: [{ schedule: '* * * * *', timeZone: 'Europe/Berlinn', size: 1 }] })]), 'pools[0].warm[0].timeZone', /"Europe\/Berlinn" is not a time zone: use an IANA name/],
    ['a zero warm size', config([pool({ warm: [{ schedule: '* * * * *', size: 0 }] })]), 'pools[0].warm[0].size', /remove the window/],
    ['a scope naming nothing', config([pool({ scope: {} })]), 'pools[0].scope', /names no target/],
    ['a scope naming two targets', config([pool({ scope: { org: 'acme', repo: 'acme/web' } })]), 'pools[0].scope', /names org and repo/],
    ['a repo without owner', config([pool({ scope: { repo: 'web' } })]), 'pools[0].scope.repo', /owner\/name/],
    ['an inline webhook secret', config(undefined, { webhookSecret: 'hunter2' }), 'github.webhookSecret', /^secrets are never written inline in config/],
    ['a secret reference naming two places', config(undefined, { webhookSecret: { env: 'A', ssm: '/b' } }), 'github.webhookSecret', /names ssm and env/],
    ['a secret reference naming nothing', config(undefined, { webhookSecret: {} }), 'github.webhookSecret', /names no secret/],
    ['a bad env name', config(undefined, { webhookSecret: { env: 'MY-SECRET' } }), 'github.webhookSecret.env', /letters, digits and _/],
    ['an unknown auth kind', config(undefined, { auth: { kind: 'oauth' } }), 'github.auth.kind', /^"oauth" is not one of "app", "token"$/],
    ['a missing auth kind', config(undefined, { auth: { appId: 1 } }), 'github.auth.kind', /^is required: one of "app", "token"$/],
    ['a quoted app id', config(undefined, { auth: { kind: 'app', appId: '42', privateKey: { env: 'K' } } }), 'github.auth.appId', /as a number/],
    ['an http URL', config(undefined, { url: 'http://ghe.example.com' }), 'github.url', /must use https/],
    ['an http apiUrl', config(undefined, { apiUrl: 'http://proxy.example.com/api/v3' }), 'github.apiUrl', /must use https/],
    ['an http apiUrl to a host named like loopback', config(undefined, { apiUrl: 'http://127.0.0.1.nip.io/' }), 'github.apiUrl', /must use https/],
    ['an API URL as url', config(undefined, { url: 'https://api.github.com' }), 'github.url', /is an API URL/],
    ['a URL with a query', config(undefined, { url: 'https://ghe.example.com/?x=1' }), 'github.url', /query or fragment/],
    ['not a URL', config(undefined, { url: 'github' }), 'github.url', /is not a URL/],
    ['no pools', config([]), 'pools', /configure at least one pool/],
    ['no github section', { pools: [pool()] }, 'github', /^is required: Which GitHub/],
  ])('reports %s', (_name, input, path, message) => {
    expect(issueAt(input, path)).toMatch(message);
  });

  it('reports a config that is not a mapping', () => {
    expect(issues('pools')).toEqual([{ path: '', message: 'the config must be a mapping with github and pools, got "pools"' }]);
    expect(issues(null)[0]?.message).toMatch(/^the config is empty/);
  });

  it('never repeats a secret written inline, wherever it is', () => {
    const secret = 'ghp_0123456789abcdefZZQX';
    const found = issues(
      config(undefined, {
        auth: { kind: 'token', token: secret },
        webhookSecret: { env: `${secret}-with-dash` },
        privateKey: secret,
      }),
    );
    expect(found.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(found)).not.toContain('ZZQX');
  });

  it('reports every problem at once, across sections and pools', () => {
    const found = issues(
      config(
        [pool({ id: 'a', maxRunner: 1 }), pool({ id: 'b', warm: [{ schedule: 'x', size: 1 }] }), pool({ id: 'a', labels: ['other'] })],
        { webhookSecret: 'inline' },
      ),
    );
    expect(found.map((i) => i.path)).toEqual(['github.webhookSecret', 'pools[0].maxRunner', 'pools[1].warm[0].schedule', 'pools[2].id']);
  });
});

describe('validateConfig: rules across fields and pools', () => {
  it('rejects duplicate pool ids', () => {
    expect(issueAt(config([pool({ id: 'x' }), pool({ id: 'x', labels: ['gpu'] })]), 'pools[1].id')).toBe(
      '"x" is already the id of pools[0]; pool ids must be unique',
    );
  });

  it('rejects two pools with the same labels (any case or order) and the same priority', () => {
    const message = issueAt(config([pool({ id: 'a' }), pool({ id: 'b', labels: ['X64', 'Linux', 'self-hosted'] })]), 'pools[1].labels');
    expect(message).toMatch(/^same labels as pools\[0\] \("a"\) with the same priority \(0\)/);
  });

  it('accepts the same labels in pools that can never serve the same repository', () => {
    expect(validateConfig(config([pool({ id: 'a', scope: { org: 'acme' } }), pool({ id: 'b', scope: { org: 'beta' } })])).ok).toBe(true);
    expect(validateConfig(config([pool({ id: 'a', scope: { repo: 'acme/web' } }), pool({ id: 'b', scope: { repo: 'acme/api' } })])).ok).toBe(true);
  });

  it('treats an enterprise pool as overlapping any other scope for twins', () => {
    const input = config([pool({ id: 'a', scope: { enterprise: 'acme' } }), pool({ id: 'b', scope: { org: 'beta' } })], {
      auth: { kind: 'token', token: { env: 'PAT' } },
    });
    expect(issues(input).map((i) => i.path)).toEqual(['pools[1].labels']);
  });

  it('rejects a repeated label within a pool', () => {
    expect(issueAt(config([pool({ labels: ['self-hosted', 'linux', 'Linux'] })]), 'pools[0].labels[2]')).toMatch(
      /^"Linux" repeats "linux" \(labels compare case-insensitively\); remove it$/,
    );
  });

  it('rejects a warm size above maxRunners', () => {
    const input = config([pool({ maxRunners: 2, warm: [{ schedule: '* * * * *', size: 1 }, { schedule: '* 8-17 * * *', size: 3 }] })]);
    expect(issueAt(input, 'pools[0].warm[1].size')).toBe('3 is above maxRunners (2): lower the size or raise maxRunners');
  });

  it('rejects a runner group on a repository pool', () => {
    expect(issueAt(config([pool({ scope: { repo: 'acme/web', runnerGroup: 'big' } })]), 'pools[0].scope.runnerGroup')).toMatch(
      /^runner groups belong to organizations and enterprises/,
    );
  });

  it('rejects an enterprise pool with GitHub App auth, and accepts it with a token', () => {
    const pools = [pool({ scope: { enterprise: 'acme' } })];
    expect(issueAt(config(pools), 'pools[0].scope.enterprise')).toMatch(/need github\.auth\.kind: token .*manage_runners:enterprise/);
    expect(validateConfig(config(pools, { auth: { kind: 'token', token: { ssm: '/ghr/pat' } } })).ok).toBe(true);
  });

  it('rejects one installationId for pools in several accounts', () => {
    const input = config([pool({ id: 'a', scope: { org: 'acme' } }), pool({ id: 'b', scope: { repo: 'beta/web' } })], {
      auth: { kind: 'app', appId: 1, installationId: 2, privateKey: { env: 'KEY' } },
    });
    expect(issueAt(input, 'github.auth.installationId')).toMatch(/pools register in acme, beta: remove installationId/);
  });

  it.each<[string, Obj, string, RegExp]>([
    ['bootTimeout not shorter than maxRuntime', { bootTimeout: '2h', maxRuntime: '1h' }, 'pools[0].bootTimeout', /^2h is not shorter than maxRuntime \(1h\)/],
    ['idleTimeout not shorter than maxRuntime', { idleTimeout: '1h', maxRuntime: '1h' }, 'pools[0].idleTimeout', /not shorter than maxRuntime/],
    ['minimumLifetime not shorter than maxRuntime', { minimumLifetime: '25h' }, 'pools[0].minimumLifetime', /^1d1h is not shorter than maxRuntime \(1d\)/],
    ['a tiny idleTimeout', { idleTimeout: 5 }, 'pools[0].idleTimeout', /^5s is too short.*at least 30s/],
    ['a tiny bootTimeout', { bootTimeout: '10s' }, 'pools[0].bootTimeout', /^10s is too short/],
  ])('rejects %s', (_name, overrides, path, message) => {
    expect(issueAt(config([pool(overrides)]), path)).toMatch(message);
  });

  it('rejects a pool that a higher-priority subset pool always beats', () => {
    const input = config([
      pool({ id: 'catch-all', labels: ['self-hosted', 'linux', 'x64', 'large'], match: 'subset', priority: 1 }),
      pool({ id: 'small', labels: ['self-hosted', 'linux'], match: 'subset' }),
    ]);
    expect(issueAt(input, 'pools[1]')).toMatch(/^can never be chosen: every job it could take goes to pools\[0\] \("catch-all"\), which ranks higher/);
  });

  it('rejects a subset pool whose every job set is taken by exact pools ranked above it', () => {
    const input = config([
      pool({ id: 'ab', labels: ['a', 'b'], priority: 1 }),
      pool({ id: 'a', labels: ['a'], priority: 1 }),
      pool({ id: 'b', labels: ['b'], priority: 1 }),
      pool({ id: 'both', labels: ['a', 'b'], match: 'subset' }),
    ]);
    expect(issueAt(input, 'pools[3]')).toMatch(/goes to pools\[0\] \("ab"\), pools\[1\] \("a"\), pools\[2\] \("b"\), which rank higher/);
  });

  it('accepts overlapping pools that each win some job', () => {
    const input = config([
      pool({ id: 'small', labels: ['self-hosted', 'linux', 'x64'], match: 'subset' }),
      pool({ id: 'large', labels: ['self-hosted', 'linux', 'x64', 'large'], match: 'subset' }),
      pool({ id: 'exact', labels: ['self-hosted', 'linux', 'x64'], priority: 1 }),
    ]);
    expect(validateConfig(input)).toMatchObject({ ok: true });
  });

  it('does not call a pool unreachable when the winner serves other repositories', () => {
    const input = config([
      pool({ id: 'web', labels: ['self-hosted', 'linux'], match: 'subset', priority: 1, scope: { repo: 'acme/web' } }),
      pool({ id: 'org', labels: ['self-hosted', 'linux'], match: 'subset', scope: { org: 'acme' } }),
    ]);
    expect(validateConfig(input).ok).toBe(true);
  });

  it('checks the pools that passed the schema even when others did not', () => {
    const input = config([pool({ id: 'a', maxRunners: 'ten' }), pool({ id: 'b', maxRunners: 1, warm: [{ schedule: '* * * * *', size: 2 }] })]);
    expect(issues(input).map((i) => i.path)).toEqual(['pools[0].maxRunners', 'pools[1].warm[0].size']);
  });
});

describe('parseConfig', () => {
  const yaml = `# a comment
github:
  auth: { kind: app, appId: 42, privateKey: { ssm: /ghr/app-key } }
  webhookSecret: { env: GHR_WEBHOOK_SECRET }
pools:
  - id: linux
    labels: [self-hosted, linux, x64]
    scope: { org: acme }
    maxRunners: 10
    idleTimeout: 1h30m
    warm:
      - { schedule: "* 8-17 * * mon-fri", timeZone: Europe/Berlin, size: 2 }
`;

  it('reads YAML', () => {
    const loaded = parseConfig(yaml);
    expect(loaded.pools[0]?.idleTimeout).toBe(5_400_000);
    expect(loaded.pools[0]?.warm[0]?.timeZone).toBe('Europe/Berlin');
  });

  it('locates missing keys, top-level ones included, without hanging', () => {
    // Arrange: no github section, a pool with only an id, and an unknown key with a dash
    const text = 'pools:\n  - id: x\n    instance: { launch-template: lt }\n';
    // Act
    const error = (() => {
      try {
        parseConfig(text);
      } catch (caught) {
        return caught as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    // Assert
    expect(error).toBeInstanceOf(ConfigError);
    const github = error.issues.find((i) => i.path === 'github');
    const labels = error.issues.find((i) => i.path === 'pools[0].labels');
    expect(github).toMatchObject({ line: 1, column: 1 });
    expect(labels).toMatchObject({ line: 2 });
  });

  it('reads JSON, detected or declared', () => {
    const json = JSON.stringify(config());
    expect(parseConfig(json).pools[0]?.id).toBe('linux');
    expect(parseConfig(` \n${json}`, { format: 'json' }).pools[0]?.id).toBe('linux');
    expect(parseConfig(json, { format: 'yaml' }).pools[0]?.id).toBe('linux');
  });

  it('accepts a $schema key for editors', () => {
    expect(parseConfig(`# yaml-language-server: $schema=./schema.json\n$schema: ./schema.json\n${yaml}`).pools).toHaveLength(1);
  });

  it('gives schema problems their line and column in the YAML text', () => {
    const text = yaml.replace('maxRunners: 10', 'maxRunner: 10').replace('Europe/Berlin', 'Europe/Berlinn');
    let error: ConfigError | undefined;
    try {
      parseConfig(text, { source: 'ghr.config.yaml' });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error?.issues).toEqual([
      // A missing key points at its parent mapping.
      { path: 'pools[0].maxRunners', message: expect.stringMatching(/^is required/), line: 6, column: 5 },
      { path: 'pools[0].maxRunner', message: 'unknown key; did you mean "maxRunners"?', line: 9, column: 16 },
      { path: 'pools[0].warm[0].timeZone', message: expect.stringMatching(/is not a time zone/), line: 12, column: 53 },
    ]);
    expect(error?.message).toContain('pools[0].maxRunner: unknown key; did you mean "maxRunners"? (line 9, column 16)');
  });

  it('reports YAML syntax errors with line and column, and a hint for an unquoted cron', () => {
    const text = yaml.replace('"* 8-17 * * mon-fri"', '* 8-17 * * mon-fri');
    expect(() => parseConfig(text)).toThrow(ConfigError);
    try {
      parseConfig(text);
    } catch (error) {
      const [first] = (error as ConfigError).issues;
      expect(first).toMatchObject({ path: '', line: 12, message: expect.stringMatching(/^YAML syntax: .*must be quoted, e.g. schedule: "\* 8-17 \* \* 1-5"/) });
    }
  });

  it.each([
    ['a duplicate key', 'github: {}\ngithub: {}\n', /Map keys must be unique; remove or rename one of them/, 2],
    ['a tab indent', 'github:\n\tauth: {}\n', /Tabs are not allowed.*indent with spaces/, 2],
    ['an unclosed list', 'pools: [a, b\n', /YAML syntax/, 2],
  ])('reports %s in YAML', (_name, text, message, line) => {
    try {
      parseConfig(text);
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).issues[0]).toMatchObject({ path: '', message: expect.stringMatching(message), line });
    }
  });

  it('reports JSON syntax errors with line and column', () => {
    try {
      parseConfig('{\n  "github": 1,\n}', { source: 'ghr.config.json' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const [issue] = (error as ConfigError).issues;
      expect(issue).toMatchObject({ path: '', line: 3, column: 1, message: expect.stringMatching(/^not valid JSON: /) });
      expect((error as ConfigError).message).toMatch(/^Invalid ghr config in ghr\.config\.json: 1 problem;/);
    }
  });

  it('reports an empty file', () => {
    expect(() => parseConfig('')).toThrow(/the config is empty: it needs github and pools/);
  });
});

describe('defineConfig', () => {
  it('returns its argument unchanged, typed for loadConfig', () => {
    const input = defineConfig({
      github: { auth: { kind: 'app', appId: 1, privateKey: { env: 'KEY' } }, webhookSecret: { env: 'SECRET' } },
      pools: [{ id: 'linux', labels: ['self-hosted', 'linux'], scope: { org: 'acme' }, maxRunners: 3, idleTimeout: '2m' }],
    });
    expect(loadConfig(input).pools[0]?.idleTimeout).toBe(120_000);
    expect(input.pools[0]?.idleTimeout).toBe('2m');
  });
});

describe('parseConfig on arbitrary input', () => {
  it('returns a config or throws a ConfigError with located issues, for any YAML document', () => {
    // Arrange: documents shaped like configs with random holes, extra keys and wrong types
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
    const pool = fc.dictionary(
      fc.constantFrom('id', 'labels', 'scope', 'maxRunners', 'warm', 'instance', 'match', 'max-runners', 'x y'),
      fc.oneof(value, fc.array(value, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 3 })),
    );
    const doc = fc.record(
      { github: fc.oneof(value, fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 3 })), pools: fc.array(pool, { maxLength: 3 }) },
      { requiredKeys: [] },
    );
    // Act / Assert
    fc.assert(
      fc.property(doc, (input) => {
        try {
          parseConfig(stringify(input));
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).issues.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 200 },
    );
  });
});
