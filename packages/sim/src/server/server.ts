// The simulated GitHub behind HTTP (node:http only): the REST routes ghr calls (also under the GHES prefix
// `/api/v3`), App JWT and token auth, rate limits with GitHub's headers, fault injection, binary downloads of the
// runner release, webhook delivery to a URL, and a control API under `/_sim`.
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { SimClock } from '../clock.js';
import { SimError } from '../errors.js';
import { GitHubModel } from '../github/model.js';
import type { GitHubModelOptions } from '../github/model.js';
import type { RateLimitOptions } from '../github/rate-limits.js';
import type { SimPrincipal } from '../github/types.js';
import { createRng } from '../random.js';
import { controlRoutes, SimulatedGitHubControl } from './control.js';
import type { ControlContext } from './control.js';
import { FaultInjector } from './faults.js';
import type { FaultConfig } from './faults.js';
import { verificationKey, verifyAppJwt } from './jwt.js';
import { releaseAssets } from './release.js';
import { githubRoutes, RouteTable } from './routes.js';
import { WebhookDispatcher } from './webhooks.js';
import type { WebhookCounters } from './webhooks.js';

/** One request and response, for observers (tests validate every served body against GitHub's OpenAPI). */
export interface SimExchange {
  readonly method: string;
  /** Path as requested, with query. */
  readonly url: string;
  /** `METHOD /template` of the matched route. */
  readonly route?: string;
  readonly operationId?: string;
  readonly status: number;
  readonly responseHeaders: Readonly<Record<string, string>>;
  /** The parsed JSON body answered, if any. */
  readonly body?: unknown;
}

/** Options of {@link startSimulatedGitHub}. */
export interface SimulatedGitHubOptions {
  /** Default 0 (a free port). */
  readonly port?: number;
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** Where webhooks are POSTed; none are sent without it (set it later with `control.setWebhook`). */
  readonly webhookUrl?: string;
  /** Signs webhooks (`X-Hub-Signature-256`). */
  readonly webhookSecret?: string;
  /** Default 10,000 ms, as github.com. */
  readonly webhookTimeoutMs?: number;
  /** Webhook deliveries in flight at once (GitHub sends concurrently). Default 1: in order, deterministic. */
  readonly webhookConcurrency?: number;
  /** The App's id (JWT `iss`). Default 1. */
  readonly appId?: number;
  /** PEM of the App's private key (PKCS#1 or PKCS#8); its public half verifies App JWTs. */
  readonly privateKey?: string;
  /** PEM of the App's public key, when the private key is not given. */
  readonly publicKey?: string;
  /** Faults injected from the start. */
  readonly faults?: FaultConfig;
  /** Time source of the model; default the wall clock. */
  readonly clock?: SimClock;
  /** Seed of the model's random choices. Default 1. */
  readonly seed?: number;
  readonly rateLimits?: RateLimitOptions;
  /** Further model options (timeouts, retention, runner version, `behaviour`: see `PRODUCTION_GITHUB_BEHAVIOUR`). */
  readonly model?: Omit<GitHubModelOptions, 'clock' | 'seed' | 'appId' | 'webhookSecret' | 'rateLimits'>;
  /** How often the server applies the model's timed transitions. Default 50 ms. */
  readonly tickIntervalMs?: number;
  /** Called after every API response (not control API calls). */
  readonly onExchange?: (exchange: SimExchange) => void;
  /** Used to deliver webhooks. Default global `fetch`. */
  readonly fetch?: typeof fetch;
}

/** Counters of the server. */
export interface ServerCounters {
  /** API requests by `METHOD /template` (unmatched: `METHOD <unknown>`). */
  readonly requests: Record<string, number>;
  /** API responses by status. */
  readonly statuses: Record<string, number>;
  /** Installation tokens minted, by installation id, and in total. */
  readonly tokenMints: { readonly total: number; readonly byInstallation: Record<string, number> };
  readonly webhooks: WebhookCounters;
  /** Refusals by kind; `content` (content-creation limits) is also counted in `secondary`. */
  readonly rateLimited: { readonly primary: number; readonly secondary: number; readonly concurrency: number; readonly content: number };
  readonly faults: { readonly http: number; readonly slow: number; readonly webhooks: Record<string, number> };
}

/** A running simulated GitHub. */
export interface SimulatedGitHub {
  /** `http://127.0.0.1:<port>`: also the github.com-style API base. */
  readonly url: string;
  /** The REST API base for github.com-style clients (same as `url`). */
  readonly apiUrl: string;
  /** The GHES-style API base: `<url>/api/v3`. */
  readonly ghesApiUrl: string;
  /** The model, for direct access in process. */
  readonly model: GitHubModel;
  /** A client of the control API. */
  readonly control: SimulatedGitHubControl;
  readonly faults: FaultInjector;
  /** The App's id and private key (PKCS#1 PEM, generated when none was given) to sign App JWTs with. */
  readonly app: { readonly id: number; readonly privateKey?: string };
  /** Waits until every webhook accepted so far was delivered (or dropped by a fault). */
  flushWebhooks(): Promise<void>;
  counters(): ServerCounters;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Starts a simulated GitHub on loopback.
 *
 * @example
 * ```ts
 * const github = await startSimulatedGitHub({ webhookUrl: 'http://127.0.0.1:3000/webhook', webhookSecret: 's3cret' });
 * await github.control.createRepo({ owner: 'acme', name: 'web' });
 * await github.control.createInstallation({ account: 'acme' });
 * await github.control.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'linux'] });
 * await github.flushWebhooks(); // a signed `workflow_job` `queued` webhook was POSTed
 * await github.close();
 * ```
 */
export async function startSimulatedGitHub(options: SimulatedGitHubOptions = {}): Promise<SimulatedGitHub> {
  const appId = options.appId ?? 1;
  let generatedPrivateKey: string | undefined;
  let key: KeyObject;
  if (options.privateKey !== undefined) key = verificationKey(options.privateKey);
  else if (options.publicKey !== undefined) key = verificationKey(options.publicKey);
  else {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    generatedPrivateKey = pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    key = pair.publicKey;
  }

  const model = new GitHubModel({
    ...options.model,
    clock: options.clock,
    seed: options.seed,
    appId,
    webhookSecret: options.webhookSecret,
    rateLimits: options.rateLimits,
  });
  const faults = new FaultInjector(options.faults);
  const dispatcher = new WebhookDispatcher({
    model,
    faults,
    url: options.webhookUrl,
    timeoutMs: options.webhookTimeoutMs,
    concurrency: options.webhookConcurrency,
    fetch: options.fetch,
  });
  const routes = new RouteTable(githubRoutes());
  const control = new RouteTable(controlRoutes());
  const requests: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const requestIds = createRng((options.seed ?? 1) ^ 0x5eed);
  const startedAt = model.now();
  const runnerVersion = options.model?.runnerVersion ?? '2.330.0';
  const assets = new Map(releaseAssets(runnerVersion).map((a) => [a.name, a]));
  const sockets = new Set<Socket>();
  let baseUrl = '';

  const counters = (): ServerCounters => {
    const byInstallation: Record<string, number> = {};
    for (const installation of model.listInstallations()) byInstallation[String(installation.id)] = installation.tokenMints;
    return {
      requests: { ...requests },
      statuses: { ...statuses },
      tokenMints: { total: model.counters.tokenMints, byInstallation },
      webhooks: { ...dispatcher.counters },
      rateLimited: { ...model.rateLimits.refused },
      faults: { http: faults.counters.http, slow: faults.counters.slow, webhooks: { ...faults.counters.webhooks } },
    };
  };

  const controlContext: ControlContext = {
    model,
    faults,
    dispatcher,
    counters: () => counters() as unknown as Record<string, unknown>,
    resetCounters: () => {
      for (const k of Object.keys(requests)) delete requests[k];
      for (const k of Object.keys(statuses)) delete statuses[k];
      dispatcher.counters.attempted = 0;
      dispatcher.counters.succeeded = 0;
      dispatcher.counters.failed = 0;
      dispatcher.counters.redeliveries = 0;
      faults.counters.http = 0;
      faults.counters.slow = 0;
      for (const k of Object.keys(faults.counters.webhooks) as (keyof typeof faults.counters.webhooks)[]) faults.counters.webhooks[k] = 0;
    },
  };

  const send = (res: ServerResponse, status: number, headers: Record<string, string>, body?: unknown): unknown => {
    let payload: string | undefined;
    if (body !== undefined && status !== 204 && status !== 304) {
      payload = JSON.stringify(body);
      headers['content-type'] = JSON_TYPE;
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    res.writeHead(status, headers);
    res.end(payload);
    return payload === undefined ? undefined : (JSON.parse(payload) as unknown);
  };

  const errorBody = (status: number, message: string, docs: string): Record<string, unknown> => ({
    message,
    documentation_url: docs,
    status: String(status),
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);

    // Control API.
    if (url.pathname.startsWith('/_sim/') || url.pathname === '/_sim') {
      const matched = control.match(method, url.pathname);
      if (!matched || matched === 'methodNotAllowed') {
        send(res, 404, {}, { message: `No control route ${method} ${url.pathname}` });
        return;
      }
      try {
        const body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
        const result = await matched.route.handle({ ...controlContext, params: matched.params, query: url.searchParams, body });
        send(res, result.status, {}, result.body);
      } catch (error) {
        const status = error instanceof SimError ? error.status : error instanceof SyntaxError ? 400 : 500;
        const code = error instanceof SimError ? error.code : 'internal';
        send(res, status, {}, { message: (error as Error).message, code });
      }
      return;
    }

    // Binary downloads of the runner release (github.com serves them from a CDN, without API auth).
    const download = /^\/actions\/runner\/releases\/download\/v([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (download && method === 'GET') {
      const asset = download[1] === runnerVersion ? assets.get(decodeURIComponent(download[2] ?? '')) : undefined;
      requests[`GET /actions/runner/releases/download/:tag/:name`] = (requests[`GET /actions/runner/releases/download/:tag/:name`] ?? 0) + 1;
      if (!asset) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('Not Found');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(asset.bytes.length) });
      res.end(asset.bytes);
      return;
    }

    const ghes = url.pathname === '/api/v3' || url.pathname.startsWith('/api/v3/');
    const path = ghes ? url.pathname.slice('/api/v3'.length) || '/' : url.pathname;
    const apiBase = `${baseUrl}${ghes ? '/api/v3' : ''}`;
    const requestId = `${requestIds.hex(2).toUpperCase()}:${requestIds.hex(3).toUpperCase()}:${requestIds.hex(4).toUpperCase()}`;
    const headers: Record<string, string> = {
      'x-github-request-id': requestId,
      'x-github-media-type': 'github.v3; format=json',
      'x-github-api-version-selected': '2022-11-28',
    };
    if (ghes) headers['x-github-enterprise-version'] = '3.17.0';

    const matched = routes.match(method, path);
    const routeKey = matched && matched !== 'methodNotAllowed' ? `${method} ${matched.route.template}` : `${method} <unknown>`;
    requests[routeKey] = (requests[routeKey] ?? 0) + 1;
    const finish = (status: number, body?: unknown, extra?: Readonly<Record<string, string>>): void => {
      const all = { ...headers, ...extra };
      statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
      const sent = send(res, status, all, body);
      options.onExchange?.({
        method,
        url: `${url.pathname}${url.search}`,
        route: matched && matched !== 'methodNotAllowed' ? `${method} ${matched.route.template}` : undefined,
        operationId: matched && matched !== 'methodNotAllowed' ? matched.route.operationId : undefined,
        status,
        responseHeaders: all,
        body: sent,
      });
    };

    model.tick();
    if (!matched || matched === 'methodNotAllowed') {
      Object.assign(headers, model.rateLimits.headers('anonymous'));
      finish(404, errorBody(404, 'Not Found', 'https://docs.github.com/rest'));
      return;
    }
    const { route, params } = matched;

    // Authentication.
    let principal: SimPrincipal = { kind: 'anonymous' };
    const authorization = req.headers.authorization;
    const credential = authorization ? /^(?:bearer|token)\s+(.+)$/i.exec(authorization)?.[1]?.trim() : undefined;
    try {
      if (authorization !== undefined && credential === undefined) throw new SimError('Bad credentials', { code: 'unauthorized' });
      if (credential !== undefined) {
        if (route.auth === 'app' || credential.split('.').length === 3) {
          if (credential.split('.').length !== 3) {
            throw new SimError('A JSON web token could not be decoded', { code: 'unauthorized' });
          }
          verifyAppJwt(credential, key, { appId, clientId: model.app.clientId, now: model.now() });
          principal = { kind: 'app' };
        } else {
          const found = model.authenticate(credential);
          if (!found) throw new SimError('Bad credentials', { code: 'unauthorized' });
          principal = found;
        }
      } else if (route.auth !== 'optional') {
        throw new SimError(
          route.auth === 'app'
            ? 'A JSON web token could not be decoded'
            : 'Requires authentication',
          { code: 'unauthorized' },
        );
      }
    } catch (error) {
      Object.assign(headers, model.rateLimits.headers('anonymous'));
      const e = error instanceof SimError ? error : new SimError('Bad credentials', { code: 'unauthorized', cause: error });
      finish(e.status, errorBody(e.status, e.message, route.docs));
      return;
    }

    // Rate limits: concurrency, then the primary budget and the endpoint's points per minute.
    const principalKey = model.principalKey(principal);
    const entered = model.rateLimits.enter(principalKey);
    if (!entered.allowed) {
      finish(entered.status, errorBody(entered.status, entered.message, 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits'), entered.headers);
      return;
    }
    try {
      const decision = model.rateLimits.charge(principalKey, method, route.template);
      Object.assign(headers, decision.headers);
      if (!decision.allowed) {
        finish(
          decision.status,
          errorBody(
            decision.status,
            decision.message,
            decision.kind === 'primary'
              ? 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api'
              : 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          ),
        );
        return;
      }

      // Faults.
      const fault = faults.http(method, route.template);
      if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault?.rateLimit === 'primary') {
        const status = model.rateLimits.status(principalKey);
        finish(
          403,
          errorBody(403, `API rate limit exceeded for ${principalKey}.`, 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api'),
          {
            'x-ratelimit-remaining': '0',
            'x-ratelimit-used': String(status.limit),
            ...(fault.retryAfterSeconds === undefined
              ? {}
              : { 'x-ratelimit-reset': String(Math.ceil(model.now() / 1000) + fault.retryAfterSeconds) }),
          },
        );
        return;
      }
      if (fault?.rateLimit === 'secondary') {
        const status = fault.rateLimitStatus ?? 429;
        finish(
          status,
          errorBody(
            status,
            fault.message ?? 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
            'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          ),
          { 'retry-after': String(fault.retryAfterSeconds ?? 60) },
        );
        return;
      }
      if (fault?.status !== undefined) {
        const extra: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined) extra['retry-after'] = String(fault.retryAfterSeconds);
        const message = fault.message ?? (fault.status >= 500 ? 'Server Error' : 'Injected fault');
        finish(fault.status, errorBody(fault.status, message, route.docs), extra);
        return;
      }

      // The operation.
      let body: Record<string, unknown> = {};
      if (raw.length > 0) {
        try {
          const parsed = JSON.parse(raw.toString('utf8')) as unknown;
          if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
        } catch {
          finish(400, errorBody(400, 'Problems parsing JSON', route.docs));
          return;
        }
      }
      try {
        const result = route.handle({
          model,
          params,
          query: url.searchParams,
          body,
          principal,
          apiBase,
          serverBase: baseUrl,
          path,
          accept: String(req.headers.accept ?? ''),
          runnerVersion,
          startedAt,
          webhookUrl: dispatcher.url ?? '',
        });
        finish(result.status, result.body, result.headers);
      } catch (error) {
        if (!(error instanceof SimError)) throw error;
        finish(error.status, errorBody(error.status, error.message, route.docs));
      }
    } finally {
      model.rateLimits.leave(principalKey);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        const status = error instanceof SimError ? error.status : 500;
        const message = error instanceof SimError ? error.message : `Simulated GitHub failed: ${(error as Error).message}`;
        res.writeHead(status, { 'content-type': JSON_TYPE });
        res.end(JSON.stringify({ message, documentation_url: 'https://docs.github.com/rest', status: String(status) }));
      } else {
        res.destroy();
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host}:${address.port}`;
  model.urls = { api: baseUrl, html: baseUrl };

  const ticker = setInterval(() => model.tick(), options.tickIntervalMs ?? 50);
  ticker.unref();

  return {
    url: baseUrl,
    apiUrl: baseUrl,
    ghesApiUrl: `${baseUrl}/api/v3`,
    model,
    control: new SimulatedGitHubControl(baseUrl),
    faults,
    app: { id: appId, privateKey: generatedPrivateKey },
    flushWebhooks: () => dispatcher.flush(),
    counters,
    close: async () => {
      clearInterval(ticker);
      dispatcher.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > 25 * 1024 * 1024) throw new SimError('Request body too large.', { code: 'invalid-input', status: 413 });
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
