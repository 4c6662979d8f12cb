import { createHmac } from 'node:crypto';

/**
 * The `X-Hub-Signature-256` value GitHub sends: `sha256=` and the hex HMAC-SHA256 of the raw body.
 *
 * @example
 * ```ts
 * signWebhook("It's a Secret to Everybody", 'Hello, World!');
 * // 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'
 * ```
 */
export function signWebhook(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The legacy `X-Hub-Signature` value (HMAC-SHA1) GitHub still sends beside the SHA-256 one. */
export function signWebhookSha1(secret: string, body: string): string {
  return `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
}
