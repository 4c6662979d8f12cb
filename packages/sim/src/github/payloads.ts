// JSON shapes of GitHub's REST responses and webhook payloads, built from model state. Field sets follow
// GitHub's OpenAPI description and `@octokit/webhooks-examples`; tests validate them against both schemas.
import type { SimAccount, SimDelivery, SimEnterprise, SimInstallation, SimJob, SimRepo, SimRunner, SimRunnerGroup } from './types.js';

/** Base URLs that appear inside payloads (`url`, `html_url`, ...). */
export interface PayloadUrls {
  /** REST API base, e.g. `https://api.github.com` or `https://ghe.example/api/v3`. */
  readonly api: string;
  /** Web base, e.g. `https://github.com`. */
  readonly html: string;
}

type Json = Record<string, unknown>;

/** ISO 8601 without milliseconds, as GitHub formats timestamps. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** A GitHub-looking node id: a base64 of a type tag and the id. */
export function nodeId(prefix: string, id: number): string {
  return Buffer.from(`${prefix}${id}`).toString('base64').replace(/=+$/, '');
}

const READ_ONLY_LABELS = new Set(['self-hosted', 'linux', 'windows', 'macos', 'x64', 'arm64', 'arm']);

/** Whether GitHub marks a runner label `read-only` (default labels) rather than `custom`. */
export function isReadOnlyLabel(name: string): boolean {
  return READ_ONLY_LABELS.has(name.toLowerCase());
}

/** A `simple-user` / webhook `user` object for an account. */
export function userJson(urls: PayloadUrls, account: SimAccount): Json {
  const login = encodeURIComponent(account.login);
  const api = `${urls.api}/users/${login}`;
  return {
    login: account.login,
    id: account.id,
    node_id: account.nodeId,
    avatar_url: `https://avatars.githubusercontent.com/u/${account.id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url: `${urls.html}/${login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: account.type,
    site_admin: false,
  };
}

/** A webhook `organization` object. */
export function organizationJson(urls: PayloadUrls, org: SimAccount): Json {
  const api = `${urls.api}/orgs/${org.login}`;
  return {
    login: org.login,
    id: org.id,
    node_id: org.nodeId,
    url: api,
    repos_url: `${api}/repos`,
    events_url: `${api}/events`,
    hooks_url: `${api}/hooks`,
    issues_url: `${api}/issues`,
    members_url: `${api}/members{/member}`,
    public_members_url: `${api}/public_members{/member}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${org.id}?v=4`,
    description: null,
  };
}

/** An `enterprise` object (installation account of an enterprise installation). */
export function enterpriseJson(urls: PayloadUrls, enterprise: SimEnterprise): Json {
  const created = isoSeconds(enterprise.createdAt);
  return {
    id: enterprise.id,
    slug: enterprise.slug,
    name: enterprise.name,
    node_id: enterprise.nodeId,
    avatar_url: `https://avatars.githubusercontent.com/b/${enterprise.id}?v=4`,
    description: null,
    website_url: null,
    html_url: `${urls.html}/enterprises/${enterprise.slug}`,
    created_at: created,
    updated_at: created,
  };
}

/** A webhook `repository` object (the full repository, as `workflow_job` payloads carry it). */
export function repositoryJson(urls: PayloadUrls, repo: SimRepo, owner: SimAccount, pushedAt: number): Json {
  const api = `${urls.api}/repos/${repo.fullName}`;
  const created = isoSeconds(repo.createdAt);
  return {
    id: repo.id,
    node_id: repo.nodeId,
    name: repo.name,
    full_name: repo.fullName,
    private: repo.private,
    owner: userJson(urls, owner),
    html_url: `${urls.html}/${repo.fullName}`,
    description: null,
    fork: false,
    url: api,
    forks_url: `${api}/forks`,
    keys_url: `${api}/keys{/key_id}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    teams_url: `${api}/teams`,
    hooks_url: `${api}/hooks`,
    issue_events_url: `${api}/issues/events{/number}`,
    events_url: `${api}/events`,
    assignees_url: `${api}/assignees{/user}`,
    branches_url: `${api}/branches{/branch}`,
    tags_url: `${api}/tags`,
    blobs_url: `${api}/git/blobs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    trees_url: `${api}/git/trees{/sha}`,
    statuses_url: `${api}/statuses/{sha}`,
    languages_url: `${api}/languages`,
    stargazers_url: `${api}/stargazers`,
    contributors_url: `${api}/contributors`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    commits_url: `${api}/commits{/sha}`,
    git_commits_url: `${api}/git/commits{/sha}`,
    comments_url: `${api}/comments{/number}`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    contents_url: `${api}/contents/{+path}`,
    compare_url: `${api}/compare/{base}...{head}`,
    merges_url: `${api}/merges`,
    archive_url: `${api}/{archive_format}{/ref}`,
    downloads_url: `${api}/downloads`,
    issues_url: `${api}/issues{/number}`,
    pulls_url: `${api}/pulls{/number}`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    labels_url: `${api}/labels{/name}`,
    releases_url: `${api}/releases{/id}`,
    deployments_url: `${api}/deployments`,
    created_at: created,
    updated_at: created,
    pushed_at: isoSeconds(pushedAt),
    git_url: `git://${new URL(urls.html).host}/${repo.fullName}.git`,
    ssh_url: `git@${new URL(urls.html).host}:${repo.fullName}.git`,
    clone_url: `${urls.html}/${repo.fullName}.git`,
    svn_url: `${urls.html}/${repo.fullName}`,
    homepage: null,
    size: 128,
    stargazers_count: 0,
    watchers_count: 0,
    language: 'TypeScript',
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: 0,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [],
    visibility: repo.private ? 'private' : 'public',
    forks: 0,
    open_issues: 0,
    watchers: 0,
    default_branch: 'main',
    custom_properties: {},
  };
}

/** Steps of a job as GitHub reports them for its status. */
function stepsJson(job: SimJob): Json[] {
  if (job.status === 'in_progress' && job.startedAt !== undefined) {
    return [
      { name: 'Set up job', status: 'in_progress', conclusion: null, number: 1, started_at: isoSeconds(job.startedAt), completed_at: null },
    ];
  }
  if (job.status === 'completed' && job.startedAt !== undefined && job.completedAt !== undefined) {
    const started = isoSeconds(job.startedAt);
    const completed = isoSeconds(job.completedAt);
    const conclusion = job.conclusion === 'cancelled' ? 'cancelled' : job.conclusion === 'failure' ? 'failure' : 'success';
    return [
      { name: 'Set up job', status: 'completed', conclusion: 'success', number: 1, started_at: started, completed_at: started },
      { name: 'Run build', status: 'completed', conclusion, number: 2, started_at: started, completed_at: completed },
      { name: 'Complete job', status: 'completed', conclusion: 'success', number: 3, started_at: completed, completed_at: completed },
    ];
  }
  return [];
}

/** A `workflow_job` object: the REST `job` schema and the webhook `workflow_job` field share it. */
export function jobJson(urls: PayloadUrls, job: SimJob, repo: SimRepo): Json {
  const api = `${urls.api}/repos/${repo.fullName}`;
  return {
    id: job.id,
    run_id: job.runId,
    workflow_name: job.workflowName,
    head_branch: job.headBranch,
    run_url: `${api}/actions/runs/${job.runId}`,
    run_attempt: job.runAttempt,
    node_id: nodeId('CR_', job.id),
    head_sha: job.headSha,
    url: `${api}/actions/jobs/${job.id}`,
    html_url: `${urls.html}/${repo.fullName}/actions/runs/${job.runId}/job/${job.id}`,
    status: job.status,
    conclusion: job.status === 'completed' ? (job.conclusion ?? 'success') : null,
    created_at: isoSeconds(job.createdAt),
    started_at: isoSeconds(job.startedAt ?? job.queuedAt ?? job.createdAt),
    completed_at: job.completedAt === undefined ? null : isoSeconds(job.completedAt),
    name: job.name,
    steps: stepsJson(job),
    check_run_url: `${api}/check-runs/${job.id}`,
    labels: [...job.labels],
    runner_id: job.runnerId ?? null,
    runner_name: job.runnerName ?? null,
    runner_group_id: job.runnerGroupId ?? null,
    runner_group_name: job.runnerGroupName ?? null,
  };
}

/** A REST `runner` object. `labelId` gives each label name its stable id. */
export function runnerJson(runner: SimRunner, labelId: (name: string) => number): Json {
  return {
    id: runner.id,
    runner_group_id: runner.groupId,
    name: runner.name,
    os: runner.connectedAt === undefined ? 'unknown' : runnerOs(runner.labels),
    status: runner.status,
    busy: runner.busy,
    ephemeral: runner.ephemeral,
    labels: runner.labels.map((name) => ({
      id: labelId(name),
      name,
      type: isReadOnlyLabel(name) ? 'read-only' : 'custom',
    })),
  };
}

/** The operating system a runner reports, from its labels. */
export function runnerOs(labels: readonly string[]): string {
  const lower = labels.map((l) => l.toLowerCase());
  if (lower.includes('windows')) return 'Windows';
  if (lower.includes('macos')) return 'macOS';
  return 'Linux';
}

/** A REST `installation` object. */
export function installationJson(
  urls: PayloadUrls,
  installation: SimInstallation,
  account: SimAccount,
  app: { readonly id: number; readonly slug: string; readonly clientId: string },
): Json {
  const created = isoSeconds(installation.createdAt);
  return {
    id: installation.id,
    client_id: app.clientId,
    account: userJson(urls, account),
    repository_selection: installation.repositorySelection,
    access_tokens_url: `${urls.api}/app/installations/${installation.id}/access_tokens`,
    repositories_url: `${urls.api}/installation/repositories`,
    html_url:
      account.type === 'Organization'
        ? `${urls.html}/organizations/${account.login}/settings/installations/${installation.id}`
        : `${urls.html}/settings/installations/${installation.id}`,
    app_id: app.id,
    app_slug: app.slug,
    target_id: account.id,
    target_type: installation.targetType,
    permissions: INSTALLATION_PERMISSIONS,
    events: ['workflow_job'],
    created_at: created,
    updated_at: created,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: null,
    suspended_at: null,
  };
}

/** The permissions ghr's App asks for (FIELD-NOTES.md). */
export const INSTALLATION_PERMISSIONS: Readonly<Record<string, string>> = {
  actions: 'write',
  administration: 'write',
  metadata: 'read',
  organization_self_hosted_runners: 'write',
};

/** A runner group object for an organization (`runner-groups-org`) or an enterprise (`runner-groups-enterprise`). */
export function runnerGroupJson(urls: PayloadUrls, group: SimRunnerGroup): Json {
  const [kind, name] = splitScope(group.scope);
  const base = kind === 'org' ? `${urls.api}/orgs/${name}` : `${urls.api}/enterprises/${name}`;
  const json: Json = {
    id: group.id,
    name: group.name,
    visibility: group.visibility,
    default: group.isDefault,
    runners_url: `${base}/actions/runner-groups/${group.id}/runners`,
    allows_public_repositories: group.allowsPublicRepositories,
    restricted_to_workflows: false,
    selected_workflows: [],
    workflow_restrictions_read_only: false,
  };
  if (kind === 'org') {
    json.inherited = false;
    if (group.visibility === 'selected') json.selected_repositories_url = `${base}/actions/runner-groups/${group.id}/repositories`;
  } else if (group.visibility === 'selected') {
    json.selected_organizations_url = `${base}/actions/runner-groups/${group.id}/organizations`;
  }
  return json;
}

/** An enterprise runner group as an organization of the enterprise sees it (inherited). */
export function inheritedRunnerGroupJson(urls: PayloadUrls, group: SimRunnerGroup, org: string): Json {
  return {
    id: group.id,
    name: group.name,
    visibility: 'all',
    default: false,
    runners_url: `${urls.api}/orgs/${org}/actions/runner-groups/${group.id}/runners`,
    inherited: true,
    allows_public_repositories: group.allowsPublicRepositories,
    restricted_to_workflows: false,
    selected_workflows: [],
    workflow_restrictions_read_only: false,
  };
}

/** A `hook-delivery-item` (list) or, with `detail`, a `hook-delivery` (get) object. */
export function deliveryJson(
  delivery: SimDelivery,
  detail?: { readonly url: string; readonly requestHeaders: Readonly<Record<string, string>>; readonly requestBody: string },
): Json {
  const item: Json = {
    id: delivery.id,
    guid: delivery.guid,
    delivered_at: isoSeconds(delivery.deliveredAt),
    redelivery: delivery.redelivery,
    duration: Math.round(delivery.durationMs) / 1000,
    status: delivery.status,
    status_code: delivery.statusCode,
    event: delivery.event,
    action: delivery.action,
    installation_id: delivery.installationId,
    repository_id: delivery.repositoryId,
    throttled_at: null,
  };
  if (!detail) return item;
  let payload: unknown;
  try {
    payload = JSON.parse(detail.requestBody);
  } catch {
    payload = null;
  }
  return {
    ...item,
    url: detail.url,
    request: { headers: { ...detail.requestHeaders }, payload },
    response: { headers: { ...delivery.responseHeaders }, payload: delivery.responseBody },
  };
}

/** Splits a scope key (`org:acme`) into its kind and name. */
export function splitScope(key: string): [string, string] {
  const index = key.indexOf(':');
  return [key.slice(0, index), key.slice(index + 1)];
}
