// Secrets of a config on one machine: `{ env }` and `{ file }` references. (`{ ssm }` needs AWS: the Lambdas read
// those; on one machine put the value in an environment variable or a file.)
import { readFile } from 'node:fs/promises';
import type { SecretRef } from '@ghr/core';

/** Where secrets come from; injectable for tests. */
export interface SecretSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile?: (path: string) => Promise<string>;
}

/** Thrown when a secret cannot be read; the message says what to set (and never holds the secret). */
export class SecretError extends Error {
  override name = 'SecretError';
}

/**
 * Reads one secret reference.
 *
 * @example
 * ```ts
 * const secret = await resolveSecret({ env: 'GHR_WEBHOOK_SECRET' }, 'the webhook secret', { env: process.env });
 * ```
 */
export async function resolveSecret(ref: SecretRef, what: string, sources: SecretSources): Promise<string> {
  if ('env' in ref) {
    const value = sources.env[ref.env];
    if (value === undefined || value.trim() === '') throw new SecretError(`${what}: the environment variable ${ref.env} is not set: export it before starting ghr.`);
    return value;
  }
  if ('file' in ref) {
    try {
      const value = await (sources.readFile ?? ((p) => readFile(p, 'utf8')))(ref.file);
      if (value.trim() === '') throw new SecretError(`${what}: the file ${ref.file} is empty.`);
      return value.replace(/\r?\n$/, '');
    } catch (error) {
      if (error instanceof SecretError) throw error;
      throw new SecretError(`${what}: cannot read ${ref.file} (${(error as { code?: string }).code ?? 'error'}): check the path and its permissions.`, { cause: error });
    }
  }
  throw new SecretError(`${what} is an SSM parameter (${ref.ssm}); on one machine reference it as { env: NAME } or { file: path } instead.`);
}
