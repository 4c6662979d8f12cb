import type { JobEvent } from '@ghr/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSqsRecords, toBatchItemFailures } from './lambda.js';

const event: JobEvent = {
  deliveryId: 'd-1',
  action: 'queued',
  job: { id: 1, runId: 2, runAttempt: 1, labels: ['linux'] },
  repository: { owner: 'acme', repo: 'web' },
  poolId: 'linux',
  receivedAt: 5,
};

describe('parseSqsRecords', () => {
  it('decodes good records and reports bad ones by message id, losing none', () => {
    const records = [
      { messageId: 'm1', body: JSON.stringify(event), attributes: { ApproximateReceiveCount: '2' } },
      { messageId: 'm2', body: 'not json' },
      { messageId: 'm3', body: JSON.stringify({ ...event, action: 'exploded' }) },
      { messageId: 'm4', body: JSON.stringify({ ...event, job: { ...event.job, id: '1' } }) },
    ];
    const { messages, bad } = parseSqsRecords(records);
    expect(messages).toEqual([{ id: 'm1', event, receiveCount: 2 }]);
    expect(bad.map((b) => b.messageId)).toEqual(['m2', 'm3', 'm4']);
    expect(bad[1]!.reason).toMatch(/action/);
  });

  it('never throws and accounts for every record, whatever the input', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.anything(), fc.record({ messageId: fc.string(), body: fc.string() }))), (records) => {
        const { messages, bad } = parseSqsRecords(records as never);
        expect(messages.length + bad.length).toBe(records.length);
      }),
      { numRuns: 200 },
    );
  });
});

describe('toBatchItemFailures', () => {
  it('names each failed message once, in order', () => {
    expect(toBatchItemFailures(['b', 'a', 'b'])).toEqual({ batchItemFailures: [{ itemIdentifier: 'b' }, { itemIdentifier: 'a' }] });
    expect(toBatchItemFailures([])).toEqual({ batchItemFailures: [] });
  });
});
