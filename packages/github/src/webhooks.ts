// `@ghr/github/webhooks`: the webhook front door alone (node:crypto only, no Octokit), for the webhook Lambda.
export { signWebhookBody, verifyAndParse, verifyWebhookSignature } from './webhooks/index.js';
export type { VerifyAndParseInput, WebhookHeaders, WebhookRejection, WebhookResult } from './webhooks/index.js';
