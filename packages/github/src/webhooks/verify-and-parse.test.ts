import { createRequire } from 'node:module';
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signWebhookBody, verifyWebhookSignature } from './signature.js';
import { verifyAndParse } from './verify-and-parse.js';

const require = createRequire(import.meta.url);
const SECRET = 'a webhook secret that is long enough';

interface Example {
  readonly action: string;
  readonly workflow_job: Record<string, unknown>;
  readonly repository: { readonly name: string; readonly owner: { readonly login: string } };
  readonly installation?: { readonly id: number };
}

function examples(flavour: string): Example[] {
  const index = require(`@octokit/webhooks-examples/${flavour}/index.json`) as { name: string; examples: Example[] }[];
  return index.find((e) => e.name === 'workflow_job')?.examples ?? [];
}

// The flavours of @octokit/webhooks-examples that carry workflow_job examples (ghes-31/32 have none).
const FLAVOURS = ['api.github.com', 'ghes-35', 'ghes-34', 'ghes-33'];

function delivery(body: string, overrides: Record<string, string | undefined> = {}) {
  return {
    headers: {
      'x-github-event': 'workflow_job',
      'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
      'x-hub-signature-256': signWebhookBody(SECRET, body),
      'content-type': 'application/json',
      ...overrides,
    },
    body,
    secrets: [SECRET],
  };
}

describe('signWebhookBody / verifyWebhookSignature', () => {
  it("matches GitHub's official test vector", () => {
    // Arrange: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    const secret = "It's a Secret to Everybody";
    const expected = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

    // Act + Assert
    expect(signWebhookBody(secret, 'Hello, World!')).toBe(expected);
    expect(verifyWebhookSignature([secret], 'Hello, World!', expected)).toBe(true);
    expect(verifyWebhookSignature([secret], new TextEncoder().encode('Hello, World!'), expected)).toBe(true);
    expect(verifyWebhookSignature([secret], 'Hello, World?', expected)).toBe(false);
  });

  it('accepts any secret of a rotation list and never an empty one', () => {
    const body = '{"zen":"Keep it logically awesome."}';
    expect(verifyWebhookSignature(['new-secret', 'old-secret'], body, signWebhookBody('old-secret', body))).toBe(true);
    expect(verifyWebhookSignature(['', 'other'], body, signWebhookBody('', body))).toBe(false);
  });

  it('agrees with @octokit/webhooks-methods on random bodies and signatures', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.boolean(), async (body, secret, tamper) => {
        const good = signWebhookBody(secret, body);
        const signature = tamper ? good.slice(0, -1) + (good.endsWith('0') ? '1' : '0') : good;
        expect(verifyWebhookSignature([secret], body, signature)).toBe(await octokitVerify(secret, body, signature));
      }),
      { numRuns: 100 },
    );
  });
});

describe('verifyAndParse', () => {
  it.each(FLAVOURS)("parses every workflow_job example of GitHub's %s payloads with its real fields", (flavour) => {
    const all = examples(flavour);
    expect(all.length).toBeGreaterThan(0);
    for (const example of all) {
      // Arrange
      const body = JSON.stringify(example);

      // Act
      const result = verifyAndParse({ ...delivery(body), receivedAt: 1_700_000_000_000 });

      // Assert
      expect(result.kind, `${flavour} ${example.action}`).toBe('job');
      if (result.kind !== 'job') continue;
      const { event } = result;
      const job = example.workflow_job;
      expect(event.action).toBe(example.action);
      expect(event.deliveryId).toBe('72d3162e-cc78-11e3-81ab-4c9367dc0958');
      expect(event.job.id).toBe(job.id);
      expect(event.job.runId).toBe(job.run_id);
      expect(event.job.runAttempt).toBe(job.run_attempt ?? 1);
      expect(event.job.labels).toEqual(job.labels);
      expect(event.repository).toEqual({ owner: example.repository.owner.login, repo: example.repository.name });
      expect(event.installationId).toBe(example.installation?.id);
      expect(event.job.runnerId).toBe(job.runner_id ?? undefined);
      expect(event.job.runnerName).toBe(job.runner_name ?? undefined);
      expect(event.job.runnerGroupId).toBe(job.runner_group_id ?? undefined);
      expect(event.job.runnerGroupName).toBe(job.runner_group_name ?? undefined);
      expect(event.job.conclusion).toBe(job.conclusion ?? undefined);
      expect(event.job.createdAt).toBe(typeof job.created_at === 'string' ? Date.parse(job.created_at) : undefined);
      expect(event.job.completedAt).toBe(typeof job.completed_at === 'string' ? Date.parse(job.completed_at) : undefined);
      if (example.action === 'in_progress' || example.action === 'completed') {
        expect(event.job.startedAt).toBe(Date.parse(job.started_at as string));
      } else {
        expect(event.job.startedAt).toBeUndefined();
      }
      expect(event.poolId).toBeUndefined();
      expect(event.receivedAt).toBe(1_700_000_000_000);
    }
  });

  it('covers all four actions across the examples', () => {
    const actions = new Set(FLAVOURS.flatMap((f) => examples(f).map((e) => e.action)));
    expect([...actions].sort()).toEqual(['completed', 'in_progress', 'queued', 'waiting']);
  });

  it('reads headers from a fetch Headers object and from mixed-case records', () => {
    const body = JSON.stringify(examples('api.github.com')[0]);
    const { headers } = delivery(body);
    expect(verifyAndParse({ headers: new Headers(headers), body, secrets: [SECRET] }).kind).toBe('job');
    const mixed = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase()), v]));
    expect(verifyAndParse({ headers: mixed, body, secrets: [SECRET] }).kind).toBe('job');
  });

  it('accepts bytes as well as text', () => {
    const body = JSON.stringify(examples('api.github.com')[5]);
    const result = verifyAndParse({ ...delivery(body), body: new TextEncoder().encode(body) });
    expect(result.kind).toBe('job');
  });

  it('recognises ping', () => {
    const body = JSON.stringify({ zen: 'Design for failure.', hook_id: 42 });
    const result = verifyAndParse(delivery(body, { 'x-github-event': 'ping', 'x-github-hook-id': '42' }));
    expect(result).toEqual({ kind: 'ping', deliveryId: '72d3162e-cc78-11e3-81ab-4c9367dc0958', hookId: 42 });
  });

  it.each([
    ['a missing signature', (b: string) => delivery(b, { 'x-hub-signature-256': undefined }), 401],
    ['a sha1-only signature', (b: string) => delivery(b, { 'x-hub-signature-256': undefined, 'x-hub-signature': 'sha1=00' }), 401],
    ['a wrong secret', (b: string) => delivery(b, { 'x-hub-signature-256': signWebhookBody('wrong', b) }), 401],
    ['a truncated signature', (b: string) => delivery(b, { 'x-hub-signature-256': signWebhookBody(SECRET, b).slice(0, 40) }), 401],
    ['an ignored event', (b: string) => delivery(b, { 'x-github-event': 'push' }), 202],
    ['a missing event header', (b: string) => delivery(b, { 'x-github-event': undefined }), 400],
    ['a missing delivery id', (b: string) => delivery(b, { 'x-github-delivery': undefined }), 400],
  ])('rejects %s', (_name, make, status) => {
    const body = JSON.stringify(examples('api.github.com')[0]);
    const result = verifyAndParse(make(body));
    expect(result.kind).toBe('rejected');
    expect(result.kind === 'rejected' && result.status).toBe(status);
  });

  it('rejects an unsigned request when no secret is configured, even with an empty-key signature', () => {
    const body = '{}';
    const result = verifyAndParse({ ...delivery(body, { 'x-hub-signature-256': signWebhookBody('', body) }), secrets: [''] });
    expect(result).toMatchObject({ kind: 'rejected', status: 401 });
  });

  it('answers 413 before computing any HMAC when the body is too large', () => {
    const body = JSON.stringify({ ...examples('api.github.com')[0], padding: 'x'.repeat(2_000) });
    const result = verifyAndParse({ ...delivery(body, { 'x-hub-signature-256': 'sha256=bogus' }), maxBytes: 1_000 });
    expect(result).toMatchObject({ kind: 'rejected', status: 413 });
  });

  it('counts the size in UTF-8 bytes, not characters', () => {
    const big = JSON.stringify({ text: '€'.repeat(400) }); // ~1,200 bytes, ~410 characters
    const small = JSON.stringify({ text: '€'.repeat(300) }); // ~900 bytes
    expect(verifyAndParse({ ...delivery(big), maxBytes: 1_000 })).toMatchObject({ kind: 'rejected', status: 413 });
    expect(verifyAndParse({ ...delivery(small), maxBytes: 1_000 })).toMatchObject({ kind: 'rejected', status: 400 });
  });

  it.each([
    ['malformed JSON', '{"action": "queued",', 400],
    ['a JSON array', '[1,2,3]', 400],
    ['no workflow_job', '{"action":"queued","repository":{"name":"r","owner":{"login":"o"}}}', 400],
    ['labels that are not strings', '{"action":"queued","workflow_job":{"id":1,"run_id":2,"labels":[1]},"repository":{"name":"r","owner":{"login":"o"}}}', 400],
    ['no repository owner', '{"action":"queued","workflow_job":{"id":1,"run_id":2,"labels":[]},"repository":{"name":"r"}}', 400],
    ['an unknown action', '{"action":"requested","workflow_job":{}}', 202],
  ])('rejects %s with the right status', (_name, body, status) => {
    expect(verifyAndParse(delivery(body))).toMatchObject({ kind: 'rejected', status });
  });

  it('never puts the secret or the signature in a reason', () => {
    const body = JSON.stringify(examples('api.github.com')[0]);
    const signature = signWebhookBody('wrong', body);
    const result = verifyAndParse(delivery(body, { 'x-hub-signature-256': signature }));
    expect(JSON.stringify(result)).not.toContain(SECRET);
    expect(JSON.stringify(result)).not.toContain(signature.slice(7));
  });

  describe('fuzzed', () => {
    const headerValue = fc.oneof(fc.string(), fc.constant(undefined), fc.array(fc.string(), { maxLength: 2 }));
    const body = fc.oneof(fc.string(), fc.uint8Array({ maxLength: 512 }), fc.json(), fc.constant(JSON.stringify(examples('api.github.com')[0])));

    it('never throws and never accepts a body it cannot verify', () => {
      fc.assert(
        fc.property(
          body,
          fc.dictionary(fc.string({ maxLength: 20 }), headerValue, { maxKeys: 6 }),
          fc.option(fc.string(), { nil: undefined }),
          fc.option(fc.constantFrom('workflow_job', 'ping', 'push'), { nil: undefined }),
          (raw, headers, signature, event) => {
            const result = verifyAndParse({
              headers: { ...headers, 'x-hub-signature-256': signature, 'x-github-event': event, 'x-github-delivery': 'd-1' },
              body: raw,
              secrets: [SECRET],
            });
            // No signature we made: whatever the body, it is rejected as unauthenticated (or too large).
            expect(result.kind).toBe('rejected');
            expect(result.kind === 'rejected' && [401, 413]).toContain(result.kind === 'rejected' ? result.status : 0);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('rejects any altered signature of a valid delivery, and any altered body', () => {
      const valid = JSON.stringify(examples('api.github.com')[5]);
      fc.assert(
        fc.property(fc.nat({ max: 63 }), fc.constantFrom(...'0123456789abcdef'), fc.nat({ max: valid.length - 1 }), (at, digit, bodyAt) => {
          const good = signWebhookBody(SECRET, valid);
          const hex = good.slice(7);
          const changed = hex.slice(0, at) + digit + hex.slice(at + 1);
          const forged = verifyAndParse(delivery(valid, { 'x-hub-signature-256': `sha256=${changed}` }));
          expect(forged.kind).toBe(changed.toLowerCase() === hex ? 'job' : 'rejected');
          const altered = valid.slice(0, bodyAt) + (valid[bodyAt] === 'a' ? 'b' : 'a') + valid.slice(bodyAt + 1);
          expect(verifyAndParse({ ...delivery(valid), body: altered }).kind).toBe('rejected');
        }),
        { numRuns: 200 },
      );
    });

    it('never throws on signed random bodies and headers: a job event only from a well-formed payload', () => {
      fc.assert(
        fc.property(fc.oneof(fc.json(), fc.string(), fc.uint8Array({ maxLength: 256 })), fc.constantFrom('workflow_job', 'ping', 'check_run'), (raw, event) => {
          const signature = signWebhookBody(SECRET, raw);
          const result = verifyAndParse({
            headers: { 'x-hub-signature-256': signature, 'x-github-event': event, 'x-github-delivery': 'd-2' },
            body: raw,
            secrets: ['other', SECRET],
          });
          expect(['job', 'ping', 'rejected']).toContain(result.kind);
          if (result.kind === 'job') expect(result.event.job.id).toBeGreaterThan(0);
          if (result.kind === 'rejected') expect([400, 202]).toContain(result.status);
        }),
        { numRuns: 300 },
      );
    });
  });
});
