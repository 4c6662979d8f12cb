// The App's webhook deliveries log as a warm client remembers it: GitHub lists the log newest first, 100 a page,
// with no filter that says which GUIDs a later attempt delivered, so a listing back to `since` reads every
// delivery of the window. Read each delivery once per process instead: a listing pages back only to what the
// previous one read (less a settling margin), and the rest of the window comes from memory.
import type { WebhookDelivery } from '@ghr/core';
import { failedDeliveries } from './mapping.js';

/** One page of the log, newest first, and the cursor of the next one. */
export interface DeliveriesPage {
  readonly deliveries: readonly WebhookDelivery[];
  readonly nextCursor?: string;
}

/**
 * Deliveries recorded this long before the newest one read may still change or appear (an attempt in flight is
 * listed when it ends: GitHub waits 10 s, GHES 30 s), so they are read again.
 */
export const DELIVERY_SETTLE_MS = 60_000;

/** The deliveries log of one client, read incrementally. */
export class DeliveryLog {
  /** Deliveries read, by id. */
  #entries = new Map<number, WebhookDelivery>();
  /** The window the entries cover completely: [from, to] by `deliveredAt`; none before the first listing. */
  #covered: { readonly from: number; readonly to: number } | undefined;

  /**
   * The failed deliveries since `since` (see `failedDeliveries`), reading pages with `fetchPage` (newest first)
   * only as far back as needed. A listing that fails leaves the memory as it was.
   */
  async failedSince(since: number, fetchPage: (cursor: string | undefined) => Promise<DeliveriesPage>, maxPages: number): Promise<WebhookDelivery[]> {
    const covered = this.#covered !== undefined && this.#covered.from <= since ? this.#covered : undefined;
    const stopBefore = covered === undefined ? since : Math.max(since, covered.to - DELIVERY_SETTLE_MS);
    const read: WebhookDelivery[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const { deliveries, nextCursor } = await fetchPage(cursor);
      let reached = false;
      for (const delivery of deliveries) {
        if (delivery.deliveredAt < stopBefore) {
          reached = true;
          break;
        }
        read.push(delivery);
      }
      if (reached || nextCursor === undefined || deliveries.length === 0) break;
      cursor = nextCursor;
    }
    // Entries of the re-read span are replaced by what was read; older ones are kept, those before `since` dropped.
    const entries = new Map<number, WebhookDelivery>();
    for (const [id, delivery] of this.#entries) {
      if (covered !== undefined && delivery.deliveredAt >= since && delivery.deliveredAt < stopBefore) entries.set(id, delivery);
    }
    for (const delivery of read) entries.set(delivery.id, delivery);
    this.#entries = entries;
    const newest = read[0]?.deliveredAt ?? covered?.to ?? since;
    this.#covered = { from: since, to: Math.max(newest, covered?.to ?? newest) };
    const log = [...entries.values()].sort((a, b) => b.deliveredAt - a.deliveredAt || b.id - a.id);
    return failedDeliveries(log);
  }
}
