// Reading a GitHub webhook request without its signature: size, headers, JSON, and `workflow_job` → `JobEvent`.
// The signature check is the adapter's (`@ghr/github/webhooks`' `verifyAndParse` runs it, then this); the
// simulator, whose webhooks never leave the process, reads its deliveries with this directly.
import type { JobEvent, JobStatus } from '../domain.js';

/** Request headers as Node (`IncomingHttpHeaders`), Lambda (`Record<string, string>`) or fetch (`Headers`) give them. */
export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/** A webhook delivery as an HTTP front door received it. */
export interface WebhookRequest {
  readonly headers: WebhookHeaders;
  /** The raw body, exactly as received (a re-serialised body does not verify). */
  readonly body: string | Uint8Array;
}

/** What a handler should answer, and why, when a delivery is not a job event. */
export interface WebhookRejection {
  readonly kind: 'rejected';
  /** 401 bad or missing signature, 400 malformed, 413 too large, 202 an event or action we ignore. */
  readonly status: 400 | 401 | 413 | 202;
  /** Safe to log: never the secret, the signature or a token. */
  readonly reason: string;
}

/** What a delivery is: a job event, a ping, or a rejection with the status to answer. */
export type WebhookVerdict =
  | { readonly kind: 'job'; readonly event: JobEvent }
  | { readonly kind: 'ping'; readonly deliveryId?: string; readonly hookId?: number }
  | WebhookRejection;

/** Options of {@link readWebhook}. */
export interface ReadWebhookOptions {
  /** Largest body accepted, bytes. Default {@link WEBHOOK_MAX_BYTES}. */
  readonly maxBytes?: number;
  /** When the request arrived (epoch ms), for `JobEvent.receivedAt`. */
  readonly receivedAt: number;
}

/** Largest webhook body accepted by default: 1 MiB (`workflow_job` bodies are about 10 KB). */
export const WEBHOOK_MAX_BYTES = 1024 * 1024;

const ACTIONS: ReadonlySet<string> = new Set<JobStatus>(['queued', 'waiting', 'in_progress', 'completed']);
const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * One header, case-insensitively, from any of the shapes runtimes hand over.
 *
 * @example
 * ```ts
 * webhookHeader({ 'X-GitHub-Event': 'ping' }, 'x-github-event'); // 'ping'
 * ```
 */
export function webhookHeader(headers: WebhookHeaders, name: string): string | undefined {
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

/**
 * The body's size in bytes, or a lower bound that already shows it fits (UTF-8 needs at most 3 bytes per UTF-16
 * unit).
 *
 * @example
 * ```ts
 * webhookBodyBytes('{}', 1024); // 2
 * ```
 */
export function webhookBodyBytes(body: string | Uint8Array, maxBytes: number): number {
  if (typeof body !== 'string') return body.byteLength;
  if (body.length * 3 <= maxBytes) return body.length;
  return new TextEncoder().encode(body).byteLength;
}

function reject(status: WebhookRejection['status'], reason: string): WebhookRejection {
  return { kind: 'rejected', status, reason };
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
 * Reads a webhook delivery whose signature was checked already (or that never left the process): body size (413),
 * event type (`ping` is recognised; other events 202), delivery id, JSON and required fields (400), action
 * (`queued`, `waiting`, `in_progress`, `completed`; others 202). Never throws. `poolId` is left unset: the
 * webhook handler matches pools.
 *
 * @example
 * ```ts
 * const verdict = readWebhook({ headers, body }, { receivedAt: Date.now() });
 * if (verdict.kind === 'job') console.log(verdict.event.job.id);
 * ```
 */
export function readWebhook(request: WebhookRequest, options: ReadWebhookOptions): WebhookVerdict {
  try {
    return readUnsafe(request, options);
  } catch {
    // Defensive: nothing above should throw, but a handler must get an answer, not an exception.
    return reject(400, 'The delivery could not be read.');
  }
}

function readUnsafe({ headers, body }: WebhookRequest, { maxBytes = WEBHOOK_MAX_BYTES, receivedAt }: ReadWebhookOptions): WebhookVerdict {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return reject(400, 'The body is neither text nor bytes.');
  const size = webhookBodyBytes(body, maxBytes);
  if (size > maxBytes) return reject(413, `The body has ${size} bytes; at most ${maxBytes} are accepted.`);
  const event = webhookHeader(headers, 'x-github-event');
  const deliveryId = webhookHeader(headers, 'x-github-delivery');
  if (event === 'ping') {
    const hookId = Number(webhookHeader(headers, 'x-github-hook-id'));
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
  return toJobEvent(payload, action as JobStatus, deliveryId, receivedAt);
}

function toJobEvent(payload: Record<string, unknown>, action: JobStatus, deliveryId: string, receivedAt: number): WebhookVerdict {
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
