// The REST routes of the simulated GitHub: the operations ghr uses, with GitHub's paths, statuses, bodies and
// pagination. Each route names its OpenAPI operationId so tests can validate every body it serves.
import type { RunnerScope } from '@ghr/core';
import { SimError } from '../errors.js';
import type { GitHubModel } from '../github/model.js';
import {
  deliveryJson,
  inheritedRunnerGroupJson,
  installationJson,
  isoSeconds,
  jobJson,
  runnerGroupJson,
  runnerJson,
} from '../github/payloads.js';
import type { SimInstallation, SimPrincipal } from '../github/types.js';
import { releaseAssets, releaseJson } from './release.js';

/** What a handler gets. */
export interface RouteContext {
  readonly model: GitHubModel;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: Readonly<Record<string, unknown>>;
  readonly principal: SimPrincipal;
  /** Base of this API as the client called it: `http://host:port` or `http://host:port/api/v3`. */
  readonly apiBase: string;
  /** Base of the server (for binary downloads). */
  readonly serverBase: string;
  /** The request path without the `/api/v3` prefix. */
  readonly path: string;
  readonly accept: string;
  readonly runnerVersion: string;
  readonly startedAt: number;
  /** Where webhooks go (the delivery's `url`). */
  readonly webhookUrl: string;
}

/** What a handler answers. */
export interface RouteResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** How a route authenticates: the App's JWT, a token (installation or personal), or optionally anything. */
export type RouteAuth = 'app' | 'token' | 'optional';

/** One REST route. */
export interface Route {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Template with `:param` segments, e.g. `/orgs/:org/actions/runners`. */
  readonly template: string;
  /** GitHub's OpenAPI operationId, for schema validation. */
  readonly operationId?: string;
  readonly auth: RouteAuth;
  /** Documentation page for error bodies. */
  readonly docs: string;
  handle(ctx: RouteContext): RouteResult;
}

const DOCS = 'https://docs.github.com/rest';

function intParam(value: string | undefined, name: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new SimError(`Invalid ${name}: ${value ?? ''}`, { code: 'not-found' });
  return n;
}

function pageParams(query: URLSearchParams): { perPage: number; page: number } {
  const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
  return { perPage, page };
}

/** One page of `all` as GitHub pages lists (`per_page` up to 100, `page`), with its `Link` header. */
function paginate<T>(ctx: RouteContext, all: readonly T[]): { items: T[]; headers: Record<string, string> | undefined } {
  const { perPage, page } = pageParams(ctx.query);
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const link = linkHeader(ctx.apiBase, ctx.path, ctx.query, page, lastPage);
  return { items: all.slice((page - 1) * perPage, page * perPage), headers: link ? { link } : undefined };
}

/** GitHub's `Link` header for page-number pagination (`prev`, `next`, `last`, `first`). */
export function linkHeader(base: string, path: string, query: URLSearchParams, page: number, lastPage: number): string | undefined {
  if (lastPage <= 1) return undefined;
  const url = (p: number): string => {
    const q = new URLSearchParams(query);
    q.set('page', String(p));
    return `<${base}${path}?${q.toString()}>`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`${url(page - 1)}; rel="prev"`);
  if (page < lastPage) links.push(`${url(page + 1)}; rel="next"`, `${url(lastPage)}; rel="last"`);
  if (page > 1) links.push(`${url(1)}; rel="first"`);
  return links.length > 0 ? links.join(', ') : undefined;
}

function requireInstallationOrPat(principal: SimPrincipal): void {
  if (principal.kind === 'app') {
    throw new SimError('A JSON web token can only call App endpoints: authenticate as an installation.', { code: 'forbidden' });
  }
}

type ScopeKind = RunnerScope['kind'];

const SCOPES: readonly { readonly kind: ScopeKind; readonly prefix: string; readonly ops: Record<string, string>; readonly docs: string }[] = [
  {
    kind: 'repo',
    prefix: '/repos/:owner/:repo',
    docs: `${DOCS}/actions/self-hosted-runners`,
    ops: {
      list: 'actions/list-self-hosted-runners-for-repo',
      get: 'actions/get-self-hosted-runner-for-repo',
      delete: 'actions/delete-self-hosted-runner-from-repo',
      jit: 'actions/generate-runner-jitconfig-for-repo',
      registration: 'actions/create-registration-token-for-repo',
      remove: 'actions/create-remove-token-for-repo',
    },
  },
  {
    kind: 'org',
    prefix: '/orgs/:org',
    docs: `${DOCS}/actions/self-hosted-runners`,
    ops: {
      list: 'actions/list-self-hosted-runners-for-org',
      get: 'actions/get-self-hosted-runner-for-org',
      delete: 'actions/delete-self-hosted-runner-from-org',
      jit: 'actions/generate-runner-jitconfig-for-org',
      registration: 'actions/create-registration-token-for-org',
      remove: 'actions/create-remove-token-for-org',
    },
  },
  {
    kind: 'enterprise',
    prefix: '/enterprises/:enterprise',
    docs: `${DOCS}/actions/self-hosted-runners`,
    ops: {
      list: 'enterprise-admin/list-self-hosted-runners-for-enterprise',
      get: 'enterprise-admin/get-self-hosted-runner-for-enterprise',
      delete: 'enterprise-admin/delete-self-hosted-runner-from-enterprise',
      jit: 'actions/generate-runner-jitconfig-for-enterprise',
      registration: 'enterprise-admin/create-registration-token-for-enterprise',
      remove: 'enterprise-admin/create-remove-token-for-enterprise',
    },
  },
];

function scopeOf(kind: ScopeKind, params: Readonly<Record<string, string>>): RunnerScope {
  switch (kind) {
    case 'repo':
      return { kind, owner: params.owner ?? '', repo: params.repo ?? '' };
    case 'org':
      return { kind, org: params.org ?? '' };
    case 'enterprise':
      return { kind, enterprise: params.enterprise ?? '' };
  }
}

function authorized(ctx: RouteContext, kind: ScopeKind): RunnerScope {
  requireInstallationOrPat(ctx.principal);
  const scope = scopeOf(kind, ctx.params);
  ctx.model.authorize(ctx.principal, scope);
  return scope;
}

function runnerRoutes(): Route[] {
  const routes: Route[] = [];
  for (const { kind, prefix, ops, docs } of SCOPES) {
    routes.push(
      {
        method: 'GET',
        template: `${prefix}/actions/runners`,
        operationId: ops.list,
        auth: 'token',
        docs: `${docs}#list-self-hosted-runners`,
        handle(ctx) {
          const scope = authorized(ctx, kind);
          const name = ctx.query.get('name') ?? undefined;
          const all = ctx.model.listRunners(scope, { name });
          const { items, headers } = paginate(ctx, all);
          // GitHub lets caches keep the list for a minute; with the busy view on, the model serves such snapshots.
          const cache: Record<string, string> = ctx.model.behaviour.busyView ? { 'cache-control': 'private, max-age=60, s-maxage=60' } : {};
          return {
            status: 200,
            body: { total_count: all.length, runners: items.map((r) => runnerJson(r, (l) => ctx.model.labelId(l))) },
            headers: { ...cache, ...headers },
          };
        },
      },
      {
        method: 'GET',
        template: `${prefix}/actions/runners/:runner_id`,
        operationId: ops.get,
        auth: 'token',
        docs: `${docs}#get-a-self-hosted-runner`,
        handle(ctx) {
          const scope = authorized(ctx, kind);
          const runner = ctx.model.getRunner(scope, intParam(ctx.params.runner_id, 'runner id'));
          return { status: 200, body: runnerJson(runner, (l) => ctx.model.labelId(l)) };
        },
      },
      {
        method: 'DELETE',
        template: `${prefix}/actions/runners/:runner_id`,
        operationId: ops.delete,
        auth: 'token',
        docs: `${docs}#delete-a-self-hosted-runner`,
        handle(ctx) {
          const scope = authorized(ctx, kind);
          ctx.model.deleteRunner(scope, intParam(ctx.params.runner_id, 'runner id'));
          return { status: 204 };
        },
      },
      {
        method: 'POST',
        template: `${prefix}/actions/runners/generate-jitconfig`,
        operationId: ops.jit,
        auth: 'token',
        docs: `${docs}#create-configuration-for-a-just-in-time-runner`,
        handle(ctx) {
          const scope = authorized(ctx, kind);
          const { name, runner_group_id: groupId, labels, work_folder: workFolder } = ctx.body;
          if (typeof name !== 'string' || name.length === 0) {
            throw new SimError('Invalid request.\n\n"name" wasn\'t supplied.', { code: 'unprocessable' });
          }
          if (typeof groupId !== 'number') {
            throw new SimError('Invalid request.\n\n"runner_group_id" wasn\'t supplied.', { code: 'unprocessable' });
          }
          if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) {
            throw new SimError('Invalid request.\n\n"labels" wasn\'t supplied.', { code: 'unprocessable' });
          }
          const result = ctx.model.generateJitConfig(scope, {
            name,
            runnerGroupId: groupId,
            labels: labels as string[],
            workFolder: typeof workFolder === 'string' ? workFolder : undefined,
          });
          return {
            status: 201,
            body: { runner: runnerJson(result.runner, (l) => ctx.model.labelId(l)), encoded_jit_config: result.encodedJitConfig },
          };
        },
      },
      {
        method: 'POST',
        template: `${prefix}/actions/runners/registration-token`,
        operationId: ops.registration,
        auth: 'token',
        docs: `${docs}#create-a-registration-token`,
        handle(ctx) {
          const scope = authorized(ctx, kind);
          const token = ctx.model.createRunnerToken(scope, 'registration');
          return { status: 201, body: { token: token.token, expires_at: isoWithOffset(token.expiresAt) } };
        },
      },
      {
        method: 'POST',
        template: `${prefix}/actions/runners/remove-token`,
        operationId: ops.remove,
        auth: 'token',
        docs: `${docs}#create-a-remove-token`,
        handle(ctx) {
          const scope = authorized(ctx, kind);
          const token = ctx.model.createRunnerToken(scope, 'remove');
          return { status: 201, body: { token: token.token, expires_at: isoWithOffset(token.expiresAt) } };
        },
      },
    );
  }
  return routes;
}

/** GitHub writes registration token expiry with an offset: `2020-01-22T12:13:35.123-08:00`; we use `+00:00`. */
function isoWithOffset(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+00:00');
}

function installationBody(ctx: RouteContext, installation: SimInstallation): Record<string, unknown> {
  const account = ctx.model.account(installation.account);
  if (!account) throw new SimError('Not Found', { code: 'not-found' });
  return installationJson(ctx.model.urls, installation, account, ctx.model.app);
}

function requireApp(ctx: RouteContext): void {
  if (ctx.principal.kind !== 'app') {
    throw new SimError('A JSON web token could not be decoded', { code: 'unauthorized' });
  }
}

function appRoutes(): Route[] {
  return [
    {
      method: 'GET',
      template: '/app/installations',
      operationId: 'apps/list-installations',
      auth: 'app',
      docs: `${DOCS}/apps/apps#list-installations-for-the-authenticated-app`,
      handle(ctx) {
        requireApp(ctx);
        const all = ctx.model.listInstallations();
        const { items, headers } = paginate(ctx, all);
        return { status: 200, body: items.map((i) => installationBody(ctx, i)), headers };
      },
    },
    {
      method: 'GET',
      template: '/app/installations/:installation_id',
      operationId: 'apps/get-installation',
      auth: 'app',
      docs: `${DOCS}/apps/apps#get-an-installation-for-the-authenticated-app`,
      handle(ctx) {
        requireApp(ctx);
        const installation = ctx.model.installation(intParam(ctx.params.installation_id, 'installation id'));
        if (!installation) throw new SimError('Not Found', { code: 'not-found' });
        return { status: 200, body: installationBody(ctx, installation) };
      },
    },
    {
      method: 'POST',
      template: '/app/installations/:installation_id/access_tokens',
      operationId: 'apps/create-installation-access-token',
      auth: 'app',
      docs: `${DOCS}/apps/apps#create-an-installation-access-token-for-an-app`,
      handle(ctx) {
        requireApp(ctx);
        const minted = ctx.model.mintInstallationToken(intParam(ctx.params.installation_id, 'installation id'));
        return {
          status: 201,
          body: {
            token: minted.token,
            expires_at: isoSeconds(minted.expiresAt),
            permissions: { actions: 'write', administration: 'write', metadata: 'read', organization_self_hosted_runners: 'write' },
            repository_selection: minted.installation.repositorySelection,
          },
        };
      },
    },
    {
      method: 'GET',
      template: '/orgs/:org/installation',
      operationId: 'apps/get-org-installation',
      auth: 'app',
      docs: `${DOCS}/apps/apps#get-an-organization-installation-for-the-authenticated-app`,
      handle(ctx) {
        requireApp(ctx);
        return { status: 200, body: installationBody(ctx, ctx.model.installationForAccount(ctx.params.org ?? '')) };
      },
    },
    {
      method: 'GET',
      template: '/repos/:owner/:repo/installation',
      operationId: 'apps/get-repo-installation',
      auth: 'app',
      docs: `${DOCS}/apps/apps#get-a-repository-installation-for-the-authenticated-app`,
      handle(ctx) {
        requireApp(ctx);
        const installation = ctx.model.installationForRepo({ owner: ctx.params.owner ?? '', repo: ctx.params.repo ?? '' });
        return { status: 200, body: installationBody(ctx, installation) };
      },
    },
    {
      method: 'GET',
      template: '/users/:username/installation',
      auth: 'app',
      docs: `${DOCS}/apps/apps#get-a-user-installation-for-the-authenticated-app`,
      handle(ctx) {
        requireApp(ctx);
        return { status: 200, body: installationBody(ctx, ctx.model.installationForAccount(ctx.params.username ?? '')) };
      },
    },
    {
      method: 'GET',
      template: '/app/hook/deliveries',
      operationId: 'apps/list-webhook-deliveries',
      auth: 'app',
      docs: `${DOCS}/apps/webhooks#list-deliveries-for-an-app-webhook`,
      handle(ctx) {
        requireApp(ctx);
        const status = ctx.query.get('status');
        const page = ctx.model.listDeliveries({
          perPage: Number(ctx.query.get('per_page') ?? 30) || 30,
          cursor: ctx.query.get('cursor') ?? undefined,
          status: status === 'success' || status === 'failure' ? status : undefined,
        });
        let link: string | undefined;
        if (page.nextCursor) {
          const q = new URLSearchParams(ctx.query);
          q.set('cursor', page.nextCursor);
          link = `<${ctx.apiBase}${ctx.path}?${q.toString()}>; rel="next"`;
        }
        return { status: 200, body: page.deliveries.map((d) => deliveryJson(d)), headers: link ? { link } : undefined };
      },
    },
    {
      method: 'GET',
      template: '/app/hook/deliveries/:delivery_id',
      operationId: 'apps/get-webhook-delivery',
      auth: 'app',
      docs: `${DOCS}/apps/webhooks#get-a-delivery-for-an-app-webhook`,
      handle(ctx) {
        requireApp(ctx);
        const delivery = ctx.model.getDelivery(intParam(ctx.params.delivery_id, 'delivery id'));
        const request = ctx.model.deliveryRequest(delivery);
        return {
          status: 200,
          body: deliveryJson(delivery, { url: ctx.webhookUrl, requestHeaders: request.headers, requestBody: request.body }),
        };
      },
    },
    {
      method: 'POST',
      template: '/app/hook/deliveries/:delivery_id/attempts',
      operationId: 'apps/redeliver-webhook-delivery',
      auth: 'app',
      docs: `${DOCS}/apps/webhooks#redeliver-a-delivery-for-an-app-webhook`,
      handle(ctx) {
        requireApp(ctx);
        ctx.model.redeliver(intParam(ctx.params.delivery_id, 'delivery id'));
        return { status: 202, body: {} };
      },
    },
  ];
}

function actionsRoutes(): Route[] {
  return [
    {
      method: 'GET',
      template: '/orgs/:org/actions/runner-groups',
      operationId: 'actions/list-self-hosted-runner-groups-for-org',
      auth: 'token',
      docs: `${DOCS}/actions/self-hosted-runner-groups#list-self-hosted-runner-groups-for-an-organization`,
      handle(ctx) {
        const scope = authorized(ctx, 'org');
        if (scope.kind !== 'org') throw new SimError('Not Found', { code: 'not-found' });
        const { own, inherited } = ctx.model.listRunnerGroups(scope);
        const all = [
          ...own.map((g) => runnerGroupJson(ctx.model.urls, g)),
          ...inherited.map((g) => inheritedRunnerGroupJson(ctx.model.urls, g, scope.org)),
        ];
        const { items, headers } = paginate(ctx, all);
        return { status: 200, body: { total_count: all.length, runner_groups: items }, headers };
      },
    },
    {
      method: 'GET',
      template: '/enterprises/:enterprise/actions/runner-groups',
      operationId: 'enterprise-admin/list-self-hosted-runner-groups-for-enterprise',
      auth: 'token',
      docs: `${DOCS}/actions/self-hosted-runner-groups#list-self-hosted-runner-groups-for-an-enterprise`,
      handle(ctx) {
        const scope = authorized(ctx, 'enterprise');
        if (scope.kind !== 'enterprise') throw new SimError('Not Found', { code: 'not-found' });
        const all = ctx.model.listRunnerGroups(scope).own.map((g) => runnerGroupJson(ctx.model.urls, g));
        const { items, headers } = paginate(ctx, all);
        return { status: 200, body: { total_count: all.length, runner_groups: items }, headers };
      },
    },
    {
      method: 'GET',
      template: '/repos/:owner/:repo/actions/jobs/:job_id',
      operationId: 'actions/get-job-for-workflow-run',
      auth: 'token',
      docs: `${DOCS}/actions/workflow-jobs#get-a-job-for-a-workflow-run`,
      handle(ctx) {
        authorized(ctx, 'repo');
        const ref = { owner: ctx.params.owner ?? '', repo: ctx.params.repo ?? '' };
        const job = ctx.model.getJob(ref, intParam(ctx.params.job_id, 'job id'));
        const repo = ctx.model.repo(ref);
        if (!repo) throw new SimError('Not Found', { code: 'not-found' });
        return { status: 200, body: jobJson(ctx.model.urls, job, repo) };
      },
    },
    {
      method: 'POST',
      template: '/repos/:owner/:repo/actions/jobs/:job_id/rerun',
      operationId: 'actions/re-run-job-for-workflow-run',
      auth: 'token',
      docs: `${DOCS}/actions/workflow-runs#re-run-a-job-from-a-workflow-run`,
      handle(ctx) {
        authorized(ctx, 'repo');
        ctx.model.rerunJob({ owner: ctx.params.owner ?? '', repo: ctx.params.repo ?? '' }, intParam(ctx.params.job_id, 'job id'));
        return { status: 201, body: {} };
      },
    },
  ];
}

function releaseRoutes(): Route[] {
  const isRunnerRepo = (ctx: RouteContext): boolean =>
    (ctx.params.owner ?? '').toLowerCase() === 'actions' && (ctx.params.repo ?? '').toLowerCase() === 'runner';
  return [
    {
      method: 'GET',
      template: '/repos/:owner/:repo/releases/latest',
      operationId: 'repos/get-latest-release',
      auth: 'optional',
      docs: `${DOCS}/releases/releases#get-the-latest-release`,
      handle(ctx) {
        if (!isRunnerRepo(ctx)) throw new SimError('Not Found', { code: 'not-found' });
        return { status: 200, body: releaseJson(ctx.model.urls, ctx.serverBase, ctx.runnerVersion, ctx.startedAt) };
      },
    },
    {
      method: 'GET',
      template: '/repos/:owner/:repo/releases/assets/:asset_id',
      auth: 'optional',
      docs: `${DOCS}/releases/assets#get-a-release-asset`,
      handle(ctx) {
        if (!isRunnerRepo(ctx)) throw new SimError('Not Found', { code: 'not-found' });
        const id = intParam(ctx.params.asset_id, 'asset id');
        const asset = releaseAssets(ctx.runnerVersion).find((a) => a.id === id);
        if (!asset) throw new SimError('Not Found', { code: 'not-found' });
        const download = `${ctx.serverBase}/actions/runner/releases/download/v${ctx.runnerVersion}/${asset.name}`;
        if (ctx.accept.includes('application/octet-stream')) return { status: 302, headers: { location: download } };
        const release = releaseJson(ctx.model.urls, ctx.serverBase, ctx.runnerVersion, ctx.startedAt) as { assets: { id: number }[] };
        return { status: 200, body: release.assets.find((a) => a.id === id) };
      },
    },
  ];
}

/** Every REST route the simulated GitHub serves. */
export function githubRoutes(): readonly Route[] {
  return [...appRoutes(), ...runnerRoutes(), ...actionsRoutes(), ...releaseRoutes()];
}

/** A compiled route table: finds the route for a method and path, with its parameters. */
export class RouteTable<R extends { readonly method: string; readonly template: string } = Route> {
  readonly #routes: { readonly route: R; readonly pattern: RegExp; readonly names: readonly string[] }[];

  constructor(routes: readonly R[]) {
    this.#routes = routes.map((route) => {
      const names: string[] = [];
      const source = route.template
        .split('/')
        .map((segment) => {
          if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
          names.push(segment.slice(1));
          return '([^/]+)';
        })
        .join('/');
      return { route, pattern: new RegExp(`^${source}/?$`), names };
    });
  }

  /** The route for `method` and `path`, or `methodNotAllowed` when only the path matches. */
  match(method: string, path: string): { route: R; params: Record<string, string> } | 'methodNotAllowed' | undefined {
    let pathMatched = false;
    for (const { route, pattern, names } of this.#routes) {
      const m = pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { route, params };
    }
    return pathMatched ? 'methodNotAllowed' : undefined;
  }
}
