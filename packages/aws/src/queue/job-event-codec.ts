// Decoding of queued JobEvents: a message body is untrusted input and never throws.
import type { JobEvent } from '@ghr/core';

/** The outcome of decoding one message body. */
export type ParsedJobEvent = { readonly ok: true; readonly event: JobEvent } | { readonly ok: false; readonly reason: string };

const ACTIONS: ReadonlySet<string> = new Set(['queued', 'waiting', 'in_progress', 'completed']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/**
 * Decodes a message body written by `SqsEventQueue.send` (JSON of a {@link JobEvent}), checking the fields the
 * engine relies on. Never throws; the reason names the first bad field, never its value.
 *
 * @example
 * ```ts
 * const parsed = parseJobEvent(record.body);
 * if (!parsed.ok) logger.warn('bad event', { reason: parsed.reason });
 * ```
 */
export function parseJobEvent(body: string): ParsedJobEvent {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'the body is not JSON' };
  }
  if (!isObject(value)) return { ok: false, reason: 'the body is not a JSON object' };
  if (typeof value.deliveryId !== 'string' || value.deliveryId === '') return { ok: false, reason: 'deliveryId is missing' };
  if (typeof value.action !== 'string' || !ACTIONS.has(value.action)) return { ok: false, reason: 'action is not a job status' };
  const job = value.job;
  if (!isObject(job)) return { ok: false, reason: 'job is missing' };
  if (!isInt(job.id) || !isInt(job.runId) || !isInt(job.runAttempt)) return { ok: false, reason: 'job.id, job.runId or job.runAttempt is not an integer' };
  if (!Array.isArray(job.labels) || !job.labels.every((l) => typeof l === 'string')) return { ok: false, reason: 'job.labels is not a list of strings' };
  const repo = value.repository;
  if (!isObject(repo) || typeof repo.owner !== 'string' || typeof repo.repo !== 'string') return { ok: false, reason: 'repository is missing' };
  if (value.poolId !== undefined && value.poolId !== null && typeof value.poolId !== 'string') return { ok: false, reason: 'poolId is not a string' };
  if (typeof value.receivedAt !== 'number') return { ok: false, reason: 'receivedAt is not a number' };
  return { ok: true, event: value as unknown as JobEvent };
}
