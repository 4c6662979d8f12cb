// GitHub's REST payloads → core's port types (`GitHubRunner`, `GitHubJob`, `WebhookDelivery`), the scope → URL
// prefix of the runner endpoints, pagination links, and which deliveries count as failed. Pure: no I/O.
import type { GitHubJob, GitHubRunner, RunnerScope, WebhookDelivery } from '@ghr/core';

/** The fields of a JSON object, or none. */
export function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** The HTTP status an Octokit error carries, if any. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** An ISO timestamp as epoch ms, or undefined. */
export function time(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The URL prefix and parameters of a scope's runner endpoints. */
export function scopePath(scope: RunnerScope): { readonly prefix: string; readonly params: Record<string, string> } {
  switch (scope.kind) {
    case 'repo':
      return { prefix: '/repos/{owner}/{repo}', params: { owner: scope.owner, repo: scope.repo } };
    case 'org':
      return { prefix: '/orgs/{org}', params: { org: scope.org } };
    case 'enterprise':
      return { prefix: '/enterprises/{enterprise}', params: { enterprise: scope.enterprise } };
  }
}

/** A runner of `GET …/actions/runners[/{id}]`. */
export function toRunner(raw: unknown): GitHubRunner {
  const r = record(raw);
  const labels = Array.isArray(r.labels)
    ? r.labels.map((label) => (typeof label === 'string' ? label : String(record(label).name ?? ''))).filter((l) => l !== '')
    : [];
  return {
    id: Number(r.id),
    name: String(r.name ?? ''),
    status: r.status === 'online' ? 'online' : 'offline',
    busy: r.busy === true,
    labels,
    ...(typeof r.ephemeral === 'boolean' ? { ephemeral: r.ephemeral } : {}),
    ...(typeof r.runner_group_id === 'number' ? { runnerGroupId: r.runner_group_id } : {}),
  };
}

const JOB_STATUSES = new Set(['queued', 'waiting', 'in_progress', 'completed', 'requested', 'pending']);

/** A job of `GET /repos/{o}/{r}/actions/jobs/{id}`. */
export function toJob(raw: unknown): GitHubJob {
  const j = record(raw);
  const status = typeof j.status === 'string' && JOB_STATUSES.has(j.status) ? (j.status as GitHubJob['status']) : 'queued';
  const startedAt = time(j.started_at);
  const completedAt = time(j.completed_at);
  return {
    id: Number(j.id),
    runId: Number(j.run_id),
    status,
    labels: Array.isArray(j.labels) ? j.labels.filter((l): l is string => typeof l === 'string') : [],
    ...(typeof j.conclusion === 'string' ? { conclusion: j.conclusion } : {}),
    ...(typeof j.runner_name === 'string' && j.runner_name !== '' ? { runnerName: j.runner_name } : {}),
    ...(startedAt === undefined ? {} : { startedAt }),
    ...(completedAt === undefined ? {} : { completedAt }),
  };
}

/** A delivery of `GET /app/hook/deliveries` (the repository is left out: GitHub gives only its id). */
export function toDelivery(raw: unknown): WebhookDelivery {
  const d = record(raw);
  return {
    id: Number(d.id),
    guid: String(d.guid ?? ''),
    deliveredAt: time(d.delivered_at) ?? 0,
    event: String(d.event ?? ''),
    ...(typeof d.action === 'string' ? { action: d.action } : {}),
    statusCode: typeof d.status_code === 'number' ? d.status_code : 0,
    redelivery: d.redelivery === true,
    ...(typeof d.installation_id === 'number' ? { installationId: d.installation_id } : {}),
  };
}

/** `rel="next"` of a `link` header, or undefined. */
export function nextLink(headers: Record<string, string | number | undefined>): string | undefined {
  const link = headers.link;
  if (typeof link !== 'string') return undefined;
  const match = /<([^>]+)>;\s*rel="next"/.exec(link);
  return match?.[1];
}

/**
 * Whether GitHub counts a delivery's answer as a success: 200–399, as the `status=success` filter of the
 * deliveries list. Everything else (400–599, timeouts and failed connections, recorded as 0) is a failure.
 */
export function deliverySucceeded(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 400;
}

/**
 * The failed deliveries of a newest-first log: one per GUID (its newest attempt), leaving out every GUID of
 * which any attempt in `log` succeeded, so each event is redelivered once.
 */
export function failedDeliveries(log: readonly WebhookDelivery[]): WebhookDelivery[] {
  const succeeded = new Set(log.filter((d) => deliverySucceeded(d.statusCode)).map((d) => d.guid));
  const seen = new Set<string>();
  const failed: WebhookDelivery[] = [];
  for (const delivery of log) {
    if (succeeded.has(delivery.guid) || seen.has(delivery.guid)) continue;
    seen.add(delivery.guid);
    failed.push(delivery);
  }
  return failed;
}
