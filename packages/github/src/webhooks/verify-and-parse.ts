// The webhook front door: size check, signature check, then core's reading of the delivery. Never throws.
import { WEBHOOK_MAX_BYTES, readWebhook, webhookBodyBytes, webhookHeader } from '@ghr/core';
import type { WebhookHeaders, WebhookRejection, WebhookVerdict } from '@ghr/core';
import { verifyWebhookSignature } from './signature.js';

export type { WebhookHeaders, WebhookRejection };

/** Input of {@link verifyAndParse}. */
export interface VerifyAndParseInput {
  readonly headers: WebhookHeaders;
  /** The raw body, exactly as received (a re-serialised body does not verify). */
  readonly body: string | Uint8Array;
  /** Webhook secrets; more than one while rotating. Empty strings are ignored. */
  readonly secrets: readonly string[];
  /** Largest body accepted, bytes; checked before the HMAC. Default 1 MiB (workflow_job bodies are ~10 KB). */
  readonly maxBytes?: number;
  /** When the request arrived (epoch ms), for `JobEvent.receivedAt`. Default `Date.now()`. */
  readonly receivedAt?: number;
}

/** The outcome of {@link verifyAndParse}: core's `WebhookVerdict`. */
export type WebhookResult = WebhookVerdict;

function reject(status: WebhookRejection['status'], reason: string): WebhookRejection {
  return { kind: 'rejected', status, reason };
}

/**
 * Verifies a webhook delivery and turns a `workflow_job` into a `JobEvent`. Checks, in order: body size (413,
 * before any HMAC), `X-Hub-Signature-256` against each secret in constant time (401), then core's `readWebhook`:
 * event type (`ping` is recognised; others 202), JSON and required fields (400), action (`queued`, `waiting`,
 * `in_progress`, `completed`; others 202). Never throws; reasons never contain the secret, the signature or a
 * token. `poolId` is left unset: core's webhook handler (`createWebhookHandler`) matches pools and enqueues.
 *
 * @example
 * ```ts
 * const handle = createWebhookHandler({
 *   verify: (request, receivedAt) => verifyAndParse({ ...request, secrets: [secret, previousSecret], receivedAt }),
 *   pools, queue,
 * });
 * const { status, body } = await handle({ headers: req.headers, body: rawBody }, AbortSignal.timeout(5_000));
 * ```
 */
export function verifyAndParse(input: VerifyAndParseInput): WebhookResult {
  try {
    return verifyAndParseUnsafe(input);
  } catch {
    // Defensive: nothing above should throw, but a handler must get an answer, not an exception.
    return reject(400, 'The delivery could not be read.');
  }
}

function verifyAndParseUnsafe({ headers, body, secrets, maxBytes = WEBHOOK_MAX_BYTES, receivedAt }: VerifyAndParseInput): WebhookResult {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return reject(400, 'The body is neither text nor bytes.');
  const size = webhookBodyBytes(body, maxBytes);
  if (size > maxBytes) return reject(413, `The body has ${size} bytes; at most ${maxBytes} are accepted.`);
  const signature = webhookHeader(headers, 'x-hub-signature-256');
  if (signature === undefined) return reject(401, 'X-Hub-Signature-256 is missing: set a webhook secret on the GitHub App.');
  if (!secrets.some((s) => typeof s === 'string' && s.length > 0)) {
    return reject(401, 'No webhook secret is configured, so no delivery can be verified.');
  }
  if (!verifyWebhookSignature(secrets, body, signature)) {
    return reject(401, 'X-Hub-Signature-256 does not match the body under any configured secret.');
  }
  return readWebhook({ headers, body }, { maxBytes, receivedAt: receivedAt ?? Date.now() });
}
