// The validated, normalized config: what the engine, adapters and apps consume.
import type { Pool } from '../domain.js';

/** Where a secret is kept. Config holds references only, never the secret. */
export type SecretRef = { readonly ssm: string } | { readonly env: string } | { readonly file: string };

/** Authenticate as a GitHub App. */
export interface GitHubAppAuth {
  readonly kind: 'app';
  readonly appId: number;
  /** When omitted, the installation is looked up from each pool's org or repository. */
  readonly installationId?: number;
  readonly privateKey: SecretRef;
}

/**
 * Authenticate with a personal access token (classic). The only choice for enterprise-scoped pools: GitHub's
 * REST docs for the enterprise self-hosted runner endpoints (https://docs.github.com/en/rest/actions/self-hosted-runners,
 * e.g. "List self-hosted runners for an enterprise") say "This endpoint does not work with GitHub App user
 * access tokens, GitHub App installation access tokens, or fine-grained personal access tokens", and that OAuth
 * app tokens and classic personal access tokens need the `manage_runners:enterprise` scope. (GitHub Apps have
 * no enterprise runner permission; ARC's docs likewise allow enterprise runner scale sets with classic PATs only.)
 */
export interface GitHubTokenAuth {
  readonly kind: 'token';
  readonly token: SecretRef;
}

/** How ghr authenticates to the GitHub API. */
export type GitHubAuth = GitHubAppAuth | GitHubTokenAuth;

/** Which GitHub, and how to reach it. */
export interface GitHubConfig {
  /** Web URL: `https://github.com`, a GHES host, or `https://<name>.ghe.com`. */
  readonly url: string;
  /** REST API base URL, derived from `url` (see `githubApiUrl`) unless set explicitly. */
  readonly apiUrl: string;
  readonly auth: GitHubAuth;
  readonly webhookSecret: SecretRef;
  /** While rotating: the previous webhook secret, also accepted. */
  readonly previousWebhookSecret?: SecretRef;
}

/** A validated ghr config: durations in milliseconds, scopes as `PoolScope`, every default applied. */
export interface GhrConfig {
  readonly github: GitHubConfig;
  readonly pools: readonly Pool[];
}
