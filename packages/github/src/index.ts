// Public API of @ghr/github. Every export is listed by name; what is not here is free to change.

// The GitHubApi port over Octokit
export { GitHubClient } from './client.js';
export type { GitHubClientOptions } from './client.js';
export type { GitHubAuth } from './auth.js';
export type { GitHubClientStats, OperationStats, RateLimitInfo } from './stats.js';

// Deadlines that bound rate-limit and retry waits
export { deadlineOf, deadlineSignal } from './deadline.js';
export type { DeadlineSignalOptions } from './deadline.js';

// Errors
export { GitHubError, redact } from './errors.js';
export type { GitHubErrorOptions } from './errors.js';

// URLs and releases
export { parseRunnerRelease } from './releases.js';

// Webhooks
export { signWebhookBody, verifyAndParse, verifyWebhookSignature } from './webhooks/index.js';
export type { VerifyAndParseInput, WebhookHeaders, WebhookRejection, WebhookResult } from './webhooks/index.js';
