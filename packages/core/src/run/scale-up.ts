// Run layer: scale up from a batch of queued job events (ingest → reconcile the touched pools → which messages to
// acknowledge). The scale-up Lambda, `ghr serve`'s queue worker and the simulator's workers call this.
import type { JobEvent } from '../domain.js';
import type { Engine, IngestResult, ReconcileResult } from '../engine/types.js';

/** One queue message: its id (SQS message id, receipt, row id) and the event it carries. */
export interface ScaleUpMessage {
  readonly id: string;
  readonly event: JobEvent;
}

/** The outcome of {@link scaleUp}. */
export interface ScaleUpResult {
  /** Message ids to delete from the queue: their events are in the ledger. */
  readonly acknowledge: readonly string[];
  /** Message ids to leave on the queue (redelivered after the visibility timeout; dead-lettered after N receives). */
  readonly retry: readonly string[];
  readonly ingest: IngestResult;
  /** Absent when no pool was touched, the deadline fired first, or the reconcile failed (see `reconcileError`). */
  readonly reconcile?: ReconcileResult;
  /** Why the reconcile failed; the `queued` events of the batch are then retried so that a later run reconciles. */
  readonly reconcileError?: string;
}

/**
 * Scales up from one batch of queue messages: `engine.ingest` the events (idempotent: duplicates and late events
 * are absorbed), then `engine.reconcile` the pools they touched. Only messages whose event was not ingested are
 * retried, never the whole batch. When the reconcile itself fails, the messages of `queued` events are retried too:
 * their repeat touches the pool again (the sweep would repair it later; a retry repairs it sooner).
 *
 * @example
 * ```ts
 * const messages = await queue.receive(10, signal);
 * const result = await scaleUp(engine, messages, signal);
 * await queue.ack(result.acknowledge, signal);
 * ```
 */
export async function scaleUp(engine: Engine, messages: readonly ScaleUpMessage[], signal: AbortSignal): Promise<ScaleUpResult> {
  const ingest = await engine.ingest(
    messages.map((m) => m.event),
    signal,
  );
  const unprocessed = new Set(ingest.unprocessed.map((u) => u.event));
  const retry = new Set(messages.filter((m) => unprocessed.has(m.event)).map((m) => m.id));
  let reconcile: ReconcileResult | undefined;
  let reconcileError: string | undefined;
  if (ingest.touchedPools.length > 0 && !signal.aborted) {
    try {
      // The records just written go along: a ledger listing that lags its writes must not hide them.
      reconcile = await engine.reconcile({ pools: ingest.touchedPools, sweep: false, known: { jobs: ingest.jobs, runners: ingest.runners } }, signal);
    } catch (error) {
      reconcileError = error instanceof Error ? error.message : String(error);
      for (const m of messages) if (m.event.action === 'queued') retry.add(m.id);
    }
  }
  return {
    acknowledge: messages.filter((m) => !retry.has(m.id)).map((m) => m.id),
    retry: [...retry],
    ingest,
    ...(reconcile === undefined ? {} : { reconcile }),
    ...(reconcileError === undefined ? {} : { reconcileError }),
  };
}
