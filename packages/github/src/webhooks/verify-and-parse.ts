// The webhook front door: size check, signature check, then `workflow_job` into a `JobEvent`. Never throws.
import type { JobEvent, JobStatus } from '@ghr/core';
import { verifyWebhookSignature } from './signature.js';

/** Request headers as Node (`IncomingHttpHeaders`), Lambda (`Record<string, string>`) or fetch (`Headers`) give them. */
export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

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

/** What a handler should answer, and why, when a delivery is not a job event. */
export interface WebhookRejection {
  readonly kind: 'rejected';
  /** 401 bad or missing signature, 400 malformed, 413 too large, 202 an event or action we ignore. */
  readonly status: 400 | 401 | 413 | 202;
  /** Safe to log: never the secret, the signature or a token. */
  readonly reason: string;
}

/** The outcome of {@link verifyAndParse}. */
export type WebhookResult =
  | { readonly kind: 'job'; readonly event: JobEvent }
  | { readonly kind: 'ping'; readonly deliveryId?: string; readonly hookId?: number }
  | WebhookRejection;

const DEFAULT_MAX_BYTES = 1024 * 1024;
const ACTIONS: ReadonlySet<string> = new Set<JobStatus>(['queued', 'waiting', 'in_progress', 'completed']);
const decoder = new TextDecoder('utf-8', { fatal: false });

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function' && typeof (headers as Headers).has === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  let value = record[name];
  if (value === undefined) {
    for (const key of Object.keys(record)) {
      if (key.toLowerCase() === name) {
        value = record[key];
        break;
      }
    }
  }
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : Array.isArray(value) && value.length === 1 ? String(value[0]) : undefined;
}

function reject(status: WebhookRejection['status'], reason: string): WebhookRejection {
  return { kind: 'rejected', status, reason };
}

/** The body's size in bytes, or a lower bound that already shows it fits (UTF-8 needs at most 3 bytes per UTF-16 unit). */
function byteLength(body: string | Uint8Array, maxBytes: number): number {
  if (typeof body !== 'string') return body.byteLength;
  if (body.length * 3 <= maxBytes) return body.length;
  return Buffer.byteLength(body, 'utf8');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function epoch(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/**
 * Verifies a webhook delivery and turns a `workflow_job` into a `JobEvent`. Checks, in order: body size (413,
 * before any HMAC), `X-Hub-Signature-256` against each secret in constant time (401), event type (`ping` is
 * recognised; others 202), JSON and required fields (400), action (`queued`, `waiting`, `in_progress`,
 * `completed`; others 202). Never throws; reasons never contain the secret, the signature or a token.
 * `poolId` is left unset: the handler matches pools.
 *
 * @example
 * ```ts
 * const result = verifyAndParse({ headers: req.headers, body: rawBody, secrets: [secret, previousSecret] });
 * if (result.kind === 'rejected') return reply(result.status, result.reason);
 * if (result.kind === 'job') await queue.send([result.event], signal);
 * return reply(200, 'ok');
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

function verifyAndParseUnsafe({ headers, body, secrets, maxBytes = DEFAULT_MAX_BYTES, receivedAt }: VerifyAndParseInput): WebhookResult {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return reject(400, 'The body is neither text nor bytes.');
  const size = byteLength(body, maxBytes);
  if (size > maxBytes) return reject(413, `The body has ${size} bytes; at most ${maxBytes} are accepted.`);
  const signature = header(headers, 'x-hub-signature-256');
  if (signature === undefined) return reject(401, 'X-Hub-Signature-256 is missing: set a webhook secret on the GitHub App.');
  if (!secrets.some((s) => typeof s === 'string' && s.length > 0)) {
    return reject(401, 'No webhook secret is configured, so no delivery can be verified.');
  }
  if (!verifyWebhookSignature(secrets, body, signature)) {
    return reject(401, 'X-Hub-Signature-256 does not match the body under any configured secret.');
  }

  const event = header(headers, 'x-github-event');
  const deliveryId = header(headers, 'x-github-delivery');
  if (event === 'ping') {
    const hookId = Number(header(headers, 'x-github-hook-id'));
    return {
      kind: 'ping',
      ...(deliveryId === undefined ? {} : { deliveryId }),
      ...(Number.isSafeInteger(hookId) && hookId > 0 ? { hookId } : {}),
    };
  }
  if (event === undefined) return reject(400, 'X-GitHub-Event is missing.');
  if (event !== 'workflow_job') return reject(202, `Event "${event.slice(0, 64)}" is ignored.`);
  if (deliveryId === undefined || deliveryId.length === 0 || deliveryId.length > 128) {
    return reject(400, 'X-GitHub-Delivery is missing or malformed.');
  }

  let payload: unknown;
  try {
    payload = JSON.parse(typeof body === 'string' ? body : decoder.decode(body));
  } catch {
    return reject(400, 'The body is not valid JSON.');
  }
  if (!isRecord(payload)) return reject(400, 'The body is not a JSON object.');
  const action = payload.action;
  if (typeof action !== 'string') return reject(400, 'The workflow_job payload has no action.');
  if (!ACTIONS.has(action)) return reject(202, `workflow_job action "${action.slice(0, 64)}" is ignored.`);
  return toJobEvent(payload, action as JobStatus, deliveryId, receivedAt ?? Date.now());
}

function toJobEvent(payload: Record<string, unknown>, action: JobStatus, deliveryId: string, receivedAt: number): WebhookResult {
  const job = payload.workflow_job;
  const repository = payload.repository;
  if (!isRecord(job)) return reject(400, 'The workflow_job payload has no workflow_job object.');
  if (!isRecord(repository)) return reject(400, 'The workflow_job payload has no repository object.');
  const id = positiveInt(job.id);
  const runId = positiveInt(job.run_id);
  if (id === undefined || runId === undefined) return reject(400, 'workflow_job.id or workflow_job.run_id is missing or not a positive integer.');
  const runAttempt = job.run_attempt === undefined || job.run_attempt === null ? 1 : positiveInt(job.run_attempt);
  if (runAttempt === undefined) return reject(400, 'workflow_job.run_attempt is not a positive integer.');
  const labels = job.labels;
  if (!Array.isArray(labels) || !labels.every((l): l is string => typeof l === 'string')) {
    return reject(400, 'workflow_job.labels is missing or not a list of strings.');
  }
  const owner = isRecord(repository.owner) ? repository.owner.login : undefined;
  const repo = repository.name;
  if (typeof owner !== 'string' || owner === '' || typeof repo !== 'string' || repo === '') {
    return reject(400, 'repository.owner.login or repository.name is missing.');
  }
  const installationId = isRecord(payload.installation) ? positiveInt(payload.installation.id) : undefined;
  // GitHub fills started_at in queued/waiting payloads with the queue time; it means "started" only from in_progress.
  const started = action === 'in_progress' || action === 'completed' ? epoch(job.started_at) : undefined;
  const createdAt = epoch(job.created_at);
  const completedAt = epoch(job.completed_at);
  const runnerId = positiveInt(job.runner_id);
  const runnerGroupId = positiveInt(job.runner_group_id);
  const event: JobEvent = {
    deliveryId,
    action,
    job: {
      id,
      runId,
      runAttempt,
      labels,
      ...(typeof job.name === 'string' ? { name: job.name } : {}),
      ...(typeof job.workflow_name === 'string' ? { workflowName: job.workflow_name } : {}),
      ...(typeof job.conclusion === 'string' ? { conclusion: job.conclusion } : {}),
      ...(createdAt === undefined ? {} : { createdAt }),
      ...(started === undefined ? {} : { startedAt: started }),
      ...(completedAt === undefined ? {} : { completedAt }),
      ...(runnerId === undefined ? {} : { runnerId }),
      ...(typeof job.runner_name === 'string' && job.runner_name !== '' ? { runnerName: job.runner_name } : {}),
      ...(runnerGroupId === undefined ? {} : { runnerGroupId }),
      ...(typeof job.runner_group_name === 'string' && job.runner_group_name !== '' ? { runnerGroupName: job.runner_group_name } : {}),
    },
    repository: { owner, repo },
    ...(installationId === undefined ? {} : { installationId }),
    receivedAt,
  };
  return { kind: 'job', event };
}
