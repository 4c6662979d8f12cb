// X-Hub-Signature-256: HMAC-SHA256 of the raw body, hex, compared in constant time against every secret.
import { createHmac, timingSafeEqual } from 'node:crypto';

const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * The `X-Hub-Signature-256` value GitHub sends for `body` signed with `secret`: `sha256=<hex>`.
 *
 * @example
 * ```ts
 * signWebhookBody("It's a Secret to Everybody", 'Hello, World!');
 * // 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'
 * ```
 */
export function signWebhookBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * True when `signature` (an `X-Hub-Signature-256` value) is the HMAC-SHA256 of `body` under one of `secrets`.
 * Malformed signatures and empty secrets never match; digests are compared with `timingSafeEqual`.
 *
 * @example
 * ```ts
 * verifyWebhookSignature([current, previous], rawBody, headers['x-hub-signature-256']);
 * ```
 */
export function verifyWebhookSignature(secrets: readonly string[], body: string | Uint8Array, signature: string | undefined): boolean {
  if (signature === undefined) return false;
  const match = SIGNATURE.exec(signature);
  if (match === null) return false;
  const expected = Buffer.from(match[1]!, 'hex');
  let ok = false;
  for (const secret of secrets) {
    // An empty key would let anyone sign: never accept it.
    if (typeof secret !== 'string' || secret.length === 0) continue;
    const actual = createHmac('sha256', secret).update(body).digest();
    if (actual.length === expected.length && timingSafeEqual(actual, expected)) {
      ok = true;
      break;
    }
  }
  return ok;
}
