// Webhooks and the deliveries log of the GitHub model: `workflow_job` events (and the ways they vanish, arrive
// late or repeat), their signed bodies and headers, the log of delivery attempts, and redelivery.
import { SimError } from '../errors.js';
import { drawDuration } from './behaviour.js';
import type { DeliveriesPage } from './options.js';
import { jobJson, nodeId, organizationJson, repositoryJson, userJson } from './payloads.js';
import { signWebhook, signWebhookSha1 } from './signature.js';
import { DAY, lower, notFound } from './state.js';
import type { ModelState } from './state.js';
import type { Tenancy } from './tenancy.js';
import type { DeliveryOutcome, SimDelivery, SimJob, WebhookAttempt, WebhookEvent } from './types.js';

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** The App's identity as webhooks carry it. */
export interface HookIdentity {
  readonly id: number;
  readonly hookId: number;
}

/** Events, their deliveries and the deliveries log. */
export class Deliveries {
  readonly #s: ModelState;
  readonly #tenancy: Tenancy;
  readonly #app: HookIdentity;

  constructor(state: ModelState, tenancy: Tenancy, app: HookIdentity) {
    this.#s = state;
    this.#tenancy = tenancy;
    this.#app = app;
  }

  /**
   * Records a job's transition and sends its `workflow_job` event (only for repositories an installation covers,
   * as App webhooks are), unless the event behaviour makes it vanish, arrive late or never, or repeat. A `resend`
   * (`completed` for a job a re-run carried over) is no transition: transition listeners do not see it.
   */
  emit(job: SimJob, action: 'queued' | 'waiting' | 'in_progress' | 'completed', resend = false): void {
    const s = this.#s;
    const repo = s.reposById.get(job.repoId);
    if (!repo) return;
    const installation = this.#tenancy.installationCovering(repo);
    if (!installation) {
      s.counters.webhooksSkippedNoInstallation += 1;
      return;
    }
    const event: WebhookEvent = {
      guid: s.rng.uuid(),
      event: 'workflow_job',
      action,
      installationId: installation.id,
      repositoryId: repo.id,
      jobId: job.id,
      job: { ...job },
      createdAt: s.now(),
    };
    if (!resend) for (const listener of [...s.transitionListeners]) listener(event);
    const faults = s.behaviour.events;
    if (faults && action === 'queued' && s.roll(faults.queuedVanishRate)) {
      s.counters.webhooksVanished += 1;
      return;
    }
    if (faults && action === 'completed') {
      if (s.roll(faults.completedNeverRate)) {
        s.counters.webhooksNeverSent += 1;
        return;
      }
      if (s.roll(faults.completedLateRate)) {
        s.counters.webhooksLate += 1;
        s.ids.pending += 1;
        s.pendingEvents.set(s.ids.pending, event);
        s.schedule('send-event', s.ids.pending, s.now() + drawDuration(faults.completedLateMs, () => s.chance.next()), 0);
        return;
      }
    }
    this.#send(event);
    if (faults && action === 'completed' && s.roll(faults.completedDuplicateRate)) {
      s.counters.webhooksDuplicated += 1;
      this.#send({ ...event, guid: s.rng.uuid() });
    }
  }

  /** A late event is due: GitHub sends it now (its body is still the job as it was then). */
  sendLate(pendingId: number): boolean {
    const event = this.#s.pendingEvents.get(pendingId);
    if (!event) return false;
    this.#s.pendingEvents.delete(pendingId);
    this.#send(event);
    return true;
  }

  #send(event: WebhookEvent): void {
    this.#s.events.set(event.guid, event);
    this.#s.counters.webhooksEmitted += 1;
    const attempt = this.attemptOf(event, false);
    for (const listener of [...this.#s.webhookListeners]) listener(attempt);
  }

  /** Subscribes to webhook attempts (new events and redeliveries). Returns the unsubscribe function. */
  onWebhook(listener: (attempt: WebhookAttempt) => void): () => void {
    this.#s.webhookListeners.add(listener);
    return () => this.#s.webhookListeners.delete(listener);
  }

  /** Every event emitted, oldest first. */
  webhookEvents(): readonly WebhookEvent[] {
    return [...this.#s.events.values()];
  }

  /** The exact JSON body of an event, built from the job as it was then (the same on every redelivery). */
  webhookBody(event: WebhookEvent): string {
    const job = event.job;
    const repo = this.#s.reposById.get(job.repoId);
    const owner = repo ? this.#s.accounts.get(lower(repo.owner)) : undefined;
    if (!repo || !owner) return JSON.stringify({ action: event.action });
    const sender = this.#s.accounts.get(lower(job.sender)) ?? owner;
    const payload: Record<string, unknown> = {
      action: event.action,
      workflow_job: jobJson(this.#s.urls, job as SimJob, repo),
      repository: repositoryJson(this.#s.urls, repo, owner, job.createdAt),
    };
    if (owner.type === 'Organization') payload.organization = organizationJson(this.#s.urls, owner);
    payload.sender = userJson(this.#s.urls, sender);
    payload.installation = { id: event.installationId, node_id: nodeId('MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u', event.installationId) };
    return JSON.stringify(payload);
  }

  /** The headers GitHub sends with an event body (signed with the current secret). */
  webhookHeaders(event: WebhookEvent, body: string = this.webhookBody(event)): Record<string, string> {
    const headers: Record<string, string> = {
      accept: '*/*',
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/ghrsim1',
      'x-github-delivery': event.guid,
      'x-github-event': event.event,
      'x-github-hook-id': String(this.#app.hookId),
      'x-github-hook-installation-target-id': String(this.#app.id),
      'x-github-hook-installation-target-type': 'integration',
    };
    if (this.#s.webhookSecret !== undefined) {
      headers['x-hub-signature'] = signWebhookSha1(this.#s.webhookSecret, body);
      headers['x-hub-signature-256'] = signWebhook(this.#s.webhookSecret, body);
    }
    return headers;
  }

  /** An attempt to deliver `event`; its body and headers are built on first read. */
  attemptOf(event: WebhookEvent, redelivery: boolean): WebhookAttempt {
    let body: string | undefined;
    let headers: Record<string, string> | undefined;
    const buildBody = (): string => (body ??= this.webhookBody(event));
    const buildHeaders = (): Record<string, string> => (headers ??= this.webhookHeaders(event, buildBody()));
    return {
      event,
      redelivery,
      get body() {
        return buildBody();
      },
      get headers() {
        return buildHeaders();
      },
    };
  }

  /** Records the outcome of an attempt in the deliveries log, as GitHub does for every attempt. */
  recordDelivery(attempt: WebhookAttempt, outcome: DeliveryOutcome): SimDelivery {
    this.#s.ids.delivery += 1;
    const ok = outcome.statusCode >= 200 && outcome.statusCode < 300;
    const delivery: SimDelivery = {
      id: this.#s.ids.delivery,
      guid: attempt.event.guid,
      deliveredAt: this.#s.now(),
      redelivery: attempt.redelivery,
      durationMs: outcome.durationMs,
      status: outcome.status ?? (ok ? 'OK' : outcome.statusCode === 0 ? 'timed out' : `Invalid HTTP Response: ${outcome.statusCode}`),
      statusCode: outcome.statusCode,
      event: attempt.event.event,
      action: attempt.event.action,
      installationId: attempt.event.installationId,
      repositoryId: attempt.event.repositoryId,
      responseHeaders: outcome.responseHeaders ?? NO_HEADERS,
      responseBody: outcome.responseBody ?? '',
    };
    this.#s.deliveries.push(delivery);
    return delivery;
  }

  /**
   * `GET /app/hook/deliveries`: the log, newest first, `perPage` (≤ 100) at a time from `cursor`; `status`
   * keeps only `success` (2xx) or `failure` deliveries. Deliveries past the retention period are gone.
   */
  listDeliveries(options: { readonly perPage?: number; readonly cursor?: string; readonly status?: 'success' | 'failure' } = {}): DeliveriesPage {
    this.#prune();
    const perPage = Math.min(100, Math.max(1, options.perPage ?? 30));
    let before = Number.POSITIVE_INFINITY;
    if (options.cursor !== undefined) {
      const match = /^v1_(\d+)$/.exec(options.cursor);
      if (!match) throw new SimError('Invalid cursor.', { code: 'invalid-input' });
      before = Number(match[1]);
    }
    const result: SimDelivery[] = [];
    let more = false;
    for (let i = this.#s.deliveries.length - 1; i >= 0; i -= 1) {
      const d = this.#s.deliveries[i] as SimDelivery;
      if (d.id >= before) continue;
      const ok = d.statusCode >= 200 && d.statusCode < 300;
      if (options.status === 'success' && !ok) continue;
      if (options.status === 'failure' && ok) continue;
      if (result.length === perPage) {
        more = true;
        break;
      }
      result.push(d);
    }
    const last = result[result.length - 1];
    return more && last ? { deliveries: result, nextCursor: `v1_${last.id}` } : { deliveries: result };
  }

  /** `GET /app/hook/deliveries/{id}`; 404 when unknown or expired. */
  getDelivery(deliveryId: number): SimDelivery {
    this.#prune();
    const delivery = this.#s.deliveries.find((d) => d.id === deliveryId);
    if (!delivery) throw notFound();
    return delivery;
  }

  /** `POST /app/hook/deliveries/{id}/attempts`: sends the same event again (same GUID and body), flagged redelivery. */
  redeliver(deliveryId: number): WebhookAttempt {
    const delivery = this.getDelivery(deliveryId);
    const event = this.#s.events.get(delivery.guid);
    if (!event) throw notFound();
    this.#s.counters.redeliveries += 1;
    const attempt = this.attemptOf(event, true);
    for (const listener of [...this.#s.webhookListeners]) listener(attempt);
    return attempt;
  }

  /** The request GitHub sent for a delivery (`GET /app/hook/deliveries/{id}` shows it). */
  deliveryRequest(delivery: SimDelivery): { readonly headers: Record<string, string>; readonly body: string } {
    const event = this.#s.events.get(delivery.guid);
    if (!event) return { headers: {}, body: '{}' };
    const body = this.webhookBody(event);
    return { headers: this.webhookHeaders(event, body), body };
  }

  /** All deliveries in the log, oldest first. */
  allDeliveries(): readonly SimDelivery[] {
    this.#prune();
    return [...this.#s.deliveries];
  }

  #prune(): void {
    const horizon = this.#s.now() - (this.#s.options.deliveryRetentionMs ?? 3 * DAY);
    let drop = 0;
    while (drop < this.#s.deliveries.length && (this.#s.deliveries[drop] as SimDelivery).deliveredAt < horizon) drop += 1;
    if (drop > 0) this.#s.deliveries.splice(0, drop);
    for (const [guid, event] of this.#s.events) {
      if (event.createdAt >= horizon) break;
      this.#s.events.delete(guid);
    }
  }
}
