export { signWebhookBody, verifyWebhookSignature } from './signature.js';
export { verifyAndParse } from './verify-and-parse.js';
export type { VerifyAndParseInput, WebhookHeaders, WebhookRejection, WebhookResult } from './verify-and-parse.js';
