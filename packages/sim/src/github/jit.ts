// JIT runner configurations, shaped like GitHub's: a base64 JSON object with `.runner`, `.credentials` and
// `.credentials_rsaparams` entries, each itself base64. Opaque to callers; the model decodes its own.
import { SimError } from '../errors.js';

/** What a JIT config says about its runner. */
export interface DecodedJitConfig {
  readonly runnerId: number;
  readonly runnerName: string;
  readonly runnerGroupId: number;
  readonly serverUrl: string;
  readonly workFolder: string;
  /** The one-time secret that makes a config unforgeable. */
  readonly secret: string;
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64');

/** Encodes a JIT config (the model mints them; tests rarely need this). */
export function encodeJitConfig(config: DecodedJitConfig): string {
  return b64({
    '.runner': b64({
      AgentId: config.runnerId,
      AgentName: config.runnerName,
      PoolId: config.runnerGroupId,
      PoolName: null,
      DisableUpdate: false,
      Ephemeral: true,
      ServerUrl: config.serverUrl,
      GitHubUrl: config.serverUrl,
      WorkFolder: config.workFolder,
    }),
    '.credentials': b64({
      Scheme: 'OAuthAccessToken',
      Data: { token: config.secret },
    }),
    '.credentials_rsaparams': b64({ d: config.secret.slice(0, 16), exponent: 'AQAB' }),
  });
}

/**
 * Decodes a JIT config minted by the simulated GitHub: the runner's id, name and group.
 *
 * @example
 * ```ts
 * const { runnerId, runnerName } = decodeJitConfig(jit.encodedJitConfig);
 * ```
 */
export function decodeJitConfig(encoded: string): DecodedJitConfig {
  try {
    const outer = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as Record<string, string>;
    const runner = JSON.parse(Buffer.from(outer['.runner'] ?? '', 'base64').toString('utf8')) as Record<string, unknown>;
    const credentials = JSON.parse(Buffer.from(outer['.credentials'] ?? '', 'base64').toString('utf8')) as {
      Data?: { token?: unknown };
    };
    const runnerId = runner.AgentId;
    const runnerName = runner.AgentName;
    const secret = credentials.Data?.token;
    if (typeof runnerId !== 'number' || typeof runnerName !== 'string' || typeof secret !== 'string') throw new Error('fields');
    return {
      runnerId,
      runnerName,
      runnerGroupId: typeof runner.PoolId === 'number' ? runner.PoolId : 1,
      serverUrl: String(runner.ServerUrl ?? ''),
      workFolder: String(runner.WorkFolder ?? '_work'),
      secret,
    };
  } catch (cause) {
    throw new SimError('The JIT config is not one the simulated GitHub minted: pass encoded_jit_config as returned.', {
      code: 'invalid-input',
      cause,
    });
  }
}
