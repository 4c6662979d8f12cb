// The installation-token cache handed to @octokit/auth-app: one entry per installation, kept until shortly
// before the token's own `expires_at` (auth-app's default cache keeps 59 minutes whatever GitHub said).

/** The cache contract of `@octokit/auth-app` (`cache` option). */
export interface AuthAppCache {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

/**
 * Installation tokens by installation id, valid until `expiresAt - refreshMarginMs`. auth-app stores
 * `token|createdAt|expiresAt|...`; we read the expiry from there. Lives as long as its client (a warm process).
 */
export class InstallationTokenCache implements AuthAppCache {
  // `#private`: the values are installation tokens, which `util.inspect` and `JSON.stringify` must never show.
  readonly #entries = new Map<string, { readonly value: string; readonly validUntil: number }>();
  readonly #now: () => number;
  readonly #refreshMarginMs: number;
  readonly #maxEntries: number;

  constructor(now: () => number, refreshMarginMs: number, maxEntries = 10_000) {
    this.#now = now;
    this.#refreshMarginMs = refreshMarginMs;
    this.#maxEntries = maxEntries;
  }

  get(key: string): string | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (this.#now() >= entry.validUntil) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: string): void {
    const expiresAt = Date.parse(value.split('|')[2] ?? '');
    // Without a readable expiry, assume GitHub's one hour.
    const validUntil = (Number.isFinite(expiresAt) ? expiresAt : this.#now() + 3_600_000) - this.#refreshMarginMs;
    if (this.#entries.size >= this.#maxEntries && !this.#entries.has(key)) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, validUntil });
  }

  /** Forgets the token of one installation (after a 401: revoked, or the App was reinstalled). */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
