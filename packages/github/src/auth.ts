// How a GitHubClient authenticates, as Octokit keeps auth strategies apart from the client: an App (JWTs for
// App endpoints, installation tokens per account through @octokit/auth-app, installation ids configured,
// remembered or looked up once) or a token (PAT or enterprise token). Credentials live in `#private` fields only,
// so `util.inspect` and `JSON.stringify` of a client never show a key, a JWT or a token.
import { createAppAuth } from '@octokit/auth-app';
import type { Clock, Logger, RepositoryRef, RunnerScope } from '@ghr/core';
import { GitHubError, toGitHubError } from './errors.js';
import { record, statusOf } from './mapping.js';
import type { GitHubResponse, GhrOctokitInstance, OctokitLog } from './octokit.js';
import { InstallationTokenCache } from './token-cache.js';

/** How the client authenticates. */
export type GitHubAuth =
  | {
      readonly kind: 'app';
      /** The GitHub App's id (or client id). */
      readonly appId: number | string;
      /** The App's private key, PEM (PKCS#1 `BEGIN RSA PRIVATE KEY` or PKCS#8 `BEGIN PRIVATE KEY`). */
      readonly privateKey: string;
      /** Installation ids known up front, by account login (org or user); others are looked up once. */
      readonly installationIds?: Readonly<Record<string, number>>;
      /** A token with `manage_runners:enterprise` for enterprise-scoped runners (Apps cannot manage those). */
      readonly enterpriseToken?: string;
    }
  | {
      readonly kind: 'token';
      /** A personal access token (classic or fine-grained) or an enterprise token. */
      readonly token: string;
    };

/** What a request is for: a runner scope, or a repository (jobs). */
export type AuthTarget = RunnerScope | ({ readonly kind: 'repo' } & RepositoryRef);

/** Sends one request of an operation (the client's `send`, bound to its Octokit). */
export type SendRequest = (
  op: string,
  route: string,
  authorization: string | undefined,
  signal: AbortSignal,
  params: Record<string, unknown>,
) => Promise<GitHubResponse>;

/** Options of {@link GitHubAuthenticator}. */
export interface GitHubAuthenticatorOptions {
  readonly auth: GitHubAuth;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly log: OctokitLog;
  /** Octokit's request for token mints (auth-app sends them). */
  readonly mintRequest: GhrOctokitInstance['request'];
  readonly send: SendRequest;
  /** Installation tokens are minted anew this long before they expire. */
  readonly tokenRefreshMarginMs: number;
}

/** App JWTs are reused this long (GitHub accepts them for 10 minutes). */
const JWT_REUSE_MS = 5 * 60_000;

const accountOf = (target: AuthTarget): string =>
  (target.kind === 'org' ? target.org : target.kind === 'repo' ? target.owner : target.enterprise).toLowerCase();

/** The `authorization` header values of one client. */
export class GitHubAuthenticator {
  readonly #token: string | undefined;
  readonly #enterpriseToken: string | undefined;
  readonly #appAuth: ReturnType<typeof createAppAuth> | undefined;
  readonly #tokens: InstallationTokenCache;
  readonly #installations = new Map<string, number>();
  readonly #lookups = new Map<string, Promise<number>>();
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #send: SendRequest;
  #jwt: { readonly token: string; readonly validUntil: number } | undefined;

  constructor(options: GitHubAuthenticatorOptions) {
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#send = options.send;
    this.#tokens = new InstallationTokenCache(() => this.#clock.now(), options.tokenRefreshMarginMs);
    const auth = options.auth;
    if (auth.kind === 'token') {
      this.#token = auth.token;
      return;
    }
    this.#enterpriseToken = auth.enterpriseToken;
    for (const [login, id] of Object.entries(auth.installationIds ?? {})) this.#installations.set(login.toLowerCase(), id);
    this.#appAuth = createAppAuth({
      appId: auth.appId,
      privateKey: auth.privateKey,
      // auth-app's type wants `get` to return a string; a miss (undefined) is what it checks for at run time.
      cache: this.#tokens as unknown as { get: (key: string) => string; set: (key: string, value: string) => void },
      log: options.log,
      request: options.mintRequest,
    });
  }

  /** Records the installation id of an account (from a webhook payload), so no lookup is needed. */
  remember(account: string, installationId: number): void {
    this.#installations.set(account.toLowerCase(), installationId);
  }

  /** The `authorization` value for an App-level endpoint: a JWT, reused for up to 5 minutes. */
  async app(op: string): Promise<string> {
    if (this.#appAuth === undefined) {
      throw new GitHubError(`${op} needs GitHub App auth (App JWT); this client uses a token.`, {
        code: 'invalid-config',
        retryable: false,
        operation: op,
      });
    }
    const now = this.#clock.now();
    if (this.#jwt === undefined || now >= this.#jwt.validUntil) {
      const { token } = await this.#appAuth({ type: 'app' });
      this.#jwt = { token, validUntil: now + JWT_REUSE_MS };
    }
    return `bearer ${this.#jwt.token}`;
  }

  /**
   * Runs `body` with the right `authorization` for `target`. With App auth, a token mint that answers 404 (the App
   * was reinstalled: new installation id) or a call that answers 401 (token revoked) re-resolves the installation
   * and tries once more.
   */
  async run<T>(target: AuthTarget, op: string, signal: AbortSignal, body: (authorization: string) => Promise<T>): Promise<T> {
    if (this.#token !== undefined) return body(`token ${this.#token}`);
    if (target.kind === 'enterprise') {
      if (this.#enterpriseToken === undefined) {
        throw new GitHubError(
          `Enterprise runners ("${target.enterprise}") need a token with manage_runners:enterprise: set auth.enterpriseToken.`,
          { code: 'invalid-config', retryable: false, operation: op },
        );
      }
      return body(`token ${this.#enterpriseToken}`);
    }
    const appAuth = this.#appAuth!;
    for (let attempt = 0; ; attempt++) {
      const installationId = await this.#installationId(target, op, signal);
      let token: string;
      try {
        ({ token } = await appAuth({ type: 'installation', installationId }));
      } catch (error) {
        if (attempt === 0 && statusOf(error) === 404) {
          this.#forget(target, installationId);
          continue;
        }
        throw error;
      }
      try {
        return await body(`token ${token}`);
      } catch (error) {
        if (attempt === 0 && statusOf(error) === 401) {
          this.#forget(target, installationId);
          continue;
        }
        throw error;
      }
    }
  }

  /** Authorization for endpoints that any credential can read (public repositories), or none. */
  async any(): Promise<string | undefined> {
    if (this.#token !== undefined) return `token ${this.#token}`;
    const first = this.#installations.values().next();
    if (first.done === true || this.#appAuth === undefined) return undefined;
    const { token } = await this.#appAuth({ type: 'installation', installationId: first.value });
    return `token ${token}`;
  }

  /** The App's installation id on the account that owns `target`: configured, remembered or looked up once. */
  #installationId(target: AuthTarget, op: string, signal: AbortSignal): Promise<number> {
    const account = accountOf(target);
    const known = this.#installations.get(account);
    if (known !== undefined) return Promise.resolve(known);
    let pending = this.#lookups.get(account);
    if (pending === undefined) {
      pending = this.#lookUp(target, account, op, signal).finally(() => this.#lookups.delete(account));
      this.#lookups.set(account, pending);
    }
    return pending;
  }

  async #lookUp(target: AuthTarget, account: string, op: string, signal: AbortSignal): Promise<number> {
    const authorization = await this.app(op);
    try {
      const response =
        target.kind === 'repo'
          ? await this.#send(op, 'GET /repos/{owner}/{repo}/installation', authorization, signal, { owner: target.owner, repo: target.repo })
          : await this.#send(op, 'GET /orgs/{org}/installation', authorization, signal, {
              org: target.kind === 'org' ? target.org : target.enterprise,
            });
      const id = record(response.data).id;
      if (typeof id !== 'number') throw new GitHubError('GitHub answered an installation without an id.', { code: 'internal', operation: op });
      this.#installations.set(account, id);
      return id;
    } catch (error) {
      if (statusOf(error) === 404) {
        throw new GitHubError(`The GitHub App is not installed on "${account}"; install it there (or fix the pool's scope).`, {
          code: 'not-found',
          retryable: false,
          operation: op,
          status: 404,
          cause: toGitHubError(error, op, this.#clock.now()),
        });
      }
      throw error;
    }
  }

  #forget(target: AuthTarget, installationId: number): void {
    const account = accountOf(target);
    if (this.#installations.get(account) === installationId) this.#installations.delete(account);
    this.#tokens.delete(String(installationId));
    this.#logger.warn('GitHub App installation re-resolved', { account, installationId });
  }
}
