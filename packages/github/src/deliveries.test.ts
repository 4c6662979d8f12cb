import type { WebhookDelivery } from '@ghr/core';
import { describe, expect, it } from 'vitest';
import { DELIVERY_SETTLE_MS, DeliveryLog } from './deliveries.js';
import type { DeliveriesPage } from './deliveries.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const MIN = 60_000;

/** GitHub's log: newest first, `perPage` a page, by cursor; counts the pages read. */
function githubLog(perPage = 10) {
  const log: WebhookDelivery[] = [];
  let pages = 0;
  let nextId = 1;
  return {
    deliver(guid: string, at: number, statusCode: number, redelivery = false): void {
      log.push({ id: nextId++, guid, deliveredAt: at, event: 'workflow_job', action: 'queued', statusCode, redelivery });
    },
    page: async (cursor: string | undefined): Promise<DeliveriesPage> => {
      pages++;
      const newestFirst = [...log].reverse();
      const start = cursor === undefined ? 0 : Number(cursor);
      const deliveries = newestFirst.slice(start, start + perPage);
      return start + perPage < newestFirst.length ? { deliveries, nextCursor: String(start + perPage) } : { deliveries };
    },
    pages: () => pages,
  };
}

describe('DeliveryLog', () => {
  it('reads the window once, then only the new pages, and stays as right as a full read', async () => {
    // Arrange: an hour of deliveries, one a minute; every fifth failed.
    const github = githubLog();
    for (let m = 0; m < 60; m++) github.deliver(`g${m}`, T0 + m * MIN, m % 5 === 0 ? 502 : 200);
    const log = new DeliveryLog();

    // Act: a full listing, then five new minutes in which g0 is redelivered fine and g61 fails.
    const first = await log.failedSince(T0, github.page, 100);
    const pagesFirst = github.pages();
    github.deliver('g60', T0 + 60 * MIN, 200);
    github.deliver('g0', T0 + 61 * MIN, 200, true);
    github.deliver('g61', T0 + 62 * MIN, 500);
    const second = await log.failedSince(T0, github.page, 100);

    // Assert
    expect(first.map((d) => d.guid)).toEqual(['g55', 'g50', 'g45', 'g40', 'g35', 'g30', 'g25', 'g20', 'g15', 'g10', 'g5', 'g0']);
    expect(pagesFirst).toBe(6);
    expect(second.map((d) => d.guid)).toEqual(['g61', 'g55', 'g50', 'g45', 'g40', 'g35', 'g30', 'g25', 'g20', 'g15', 'g10', 'g5']);
    expect(github.pages() - pagesFirst).toBe(1); // 3 new deliveries and the settling minute fit one page
  });

  it('reads again what may still have settled: an attempt listed late within the margin is seen', async () => {
    const github = githubLog();
    github.deliver('a', T0, 200);
    const log = new DeliveryLog();
    expect(await log.failedSince(T0 - MIN, github.page, 100)).toEqual([]);
    // An attempt that ended late appears with an earlier time than the newest one read.
    github.deliver('late', T0 - DELIVERY_SETTLE_MS / 2, 504);
    expect((await log.failedSince(T0 - MIN, github.page, 100)).map((d) => d.guid)).toEqual(['late']);
  });

  it('reads back further when asked for an older window than it holds, and forgets what falls out of it', async () => {
    const github = githubLog();
    for (let m = 0; m < 30; m++) github.deliver(`g${m}`, T0 + m * MIN, 500);
    const log = new DeliveryLog();
    expect(await log.failedSince(T0 + 20 * MIN, github.page, 100)).toHaveLength(10);
    expect(await log.failedSince(T0, github.page, 100)).toHaveLength(30);
    expect(await log.failedSince(T0 + 25 * MIN, github.page, 100)).toHaveLength(5);
  });

  it('keeps what it knew when a listing fails midway', async () => {
    const github = githubLog();
    for (let m = 0; m < 30; m++) github.deliver(`g${m}`, T0 + m * MIN, 500);
    const log = new DeliveryLog();
    await log.failedSince(T0, github.page, 100);
    for (let m = 30; m < 45; m++) github.deliver(`g${m}`, T0 + m * MIN, 500);
    let calls = 0;
    const failing = async (cursor: string | undefined) => {
      if (++calls === 2) throw new Error('502');
      return github.page(cursor);
    };
    await expect(log.failedSince(T0, failing, 100)).rejects.toThrow('502');
    expect(await log.failedSince(T0, github.page, 100)).toHaveLength(45);
  });
});
