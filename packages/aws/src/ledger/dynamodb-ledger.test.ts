import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { Runner } from '@ghr/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsError } from '../errors.js';
import { DynamoDbLedger } from './dynamodb-ledger.js';
import { fromAttributeValue, recordOf, runnerItem, toAttributeValue } from './item-codec.js';

const ddb = mockClient(DynamoDBClient);
const signal = () => AbortSignal.timeout(5_000);
const NOW = Date.UTC(2026, 0, 5, 9);
const clock = { now: () => NOW, sleep: () => Promise.resolve() };

const runner = (name: string, overrides: Partial<Runner> = {}): Runner => ({
  name,
  poolId: 'linux',
  state: 'launching',
  labels: ['self-hosted', 'linux'],
  ephemeral: true,
  createdAt: NOW,
  updatedAt: NOW,
  version: 1,
  ...overrides,
});

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

const counter = (alive: number) => ({ Item: { pk: { S: 'POOL#linux' }, sk: { S: 'COUNTER' }, alive: { N: String(alive) } } });

describe('DynamoDbLedger', () => {
  let ledger: DynamoDbLedger;
  beforeEach(() => {
    ddb.reset();
    ledger = new DynamoDbLedger({ tableName: 'ledger', client: new DynamoDBClient({ region: 'us-east-1' }), clock });
  });

  describe('putJob', () => {
    it('creates version 1 with attribute_not_exists and index keys by pool and status', async () => {
      // Arrange
      ddb.on(PutItemCommand).resolves({});
      // Act
      const result = await ledger.putJob(
        { id: 7, runId: 1, runAttempt: 1, repository: { owner: 'a', repo: 'b' }, labels: ['x'], status: 'queued', poolId: 'linux', queuedAt: 1, updatedAt: 1, version: 1 },
        signal(),
      );
      // Assert
      expect(result).toBe('ok');
      const input = ddb.commandCalls(PutItemCommand)[0]!.args[0].input;
      expect(input.ConditionExpression).toBe('attribute_not_exists(pk)');
      expect(input.Item).toMatchObject({
        pk: { S: 'JOB#7' },
        sk: { S: 'JOB' },
        gsi1pk: { S: 'POOL#linux#JOB' },
        gsi1sk: { S: 'queued#7' },
        gsi2pk: { S: 'JOB#queued' },
        version: { N: '1' },
      });
      expect(input.Item?.expiresAt).toBeUndefined();
    });

    it('conditions a later version on the previous one and sets a TTL on a completed job', async () => {
      ddb.on(PutItemCommand).resolves({});
      await ledger.putJob(
        { id: 7, runId: 1, runAttempt: 1, repository: { owner: 'a', repo: 'b' }, labels: [], status: 'completed', poolId: null, queuedAt: 1, updatedAt: 1, version: 3 },
        signal(),
      );
      const input = ddb.commandCalls(PutItemCommand)[0]!.args[0].input;
      expect(input.ConditionExpression).toBe('#version = :prev');
      expect(input.ExpressionAttributeValues).toEqual({ ':prev': { N: '2' } });
      expect(input.Item?.expiresAt).toEqual({ N: String((NOW + 86_400_000) / 1000) });
      expect(input.Item?.gsi1pk).toBeUndefined(); // no pool: not in the byPool index
      expect(input.Item?.poolId).toEqual({ NULL: true });
    });

    it('answers conflict when the condition fails, and translates other errors', async () => {
      ddb.on(PutItemCommand).rejectsOnce(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
      const job = { id: 1, runId: 1, runAttempt: 1, repository: { owner: 'a', repo: 'b' }, labels: [], status: 'queued' as const, poolId: 'p', queuedAt: 1, updatedAt: 1, version: 2 };
      expect(await ledger.putJob(job, signal())).toBe('conflict');

      ddb.on(PutItemCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } }));
      const err = await ledger.putJob(job, signal()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AwsError);
      expect(err).toMatchObject({ code: 'throttled', retryable: true, awsCode: 'ProvisionedThroughputExceededException' });
    });

    it('refuses versions below 1 without a call', async () => {
      const job = { id: 1, runId: 1, runAttempt: 1, repository: { owner: 'a', repo: 'b' }, labels: [], status: 'queued' as const, poolId: 'p', queuedAt: 1, updatedAt: 1, version: 0 };
      expect(await ledger.putJob(job, signal())).toBe('conflict');
      expect(ddb.calls()).toHaveLength(0);
    });
  });

  describe('admit', () => {
    it('raises the counter under alive <= max - n and creates each runner once, in one transaction', async () => {
      ddb.on(GetItemCommand).resolves(counter(2));
      ddb.on(TransactWriteItemsCommand).resolves({});

      const admitted = await ledger.admit('linux', [runner('a'), runner('b', { state: 'idle', version: 4 }), runner('c')], 4, signal());

      expect(admitted.map((r) => [r.name, r.state, r.version])).toEqual([
        ['a', 'launching', 1],
        ['b', 'launching', 1],
      ]);
      const tx = ddb.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input;
      expect(tx.ClientRequestToken).toEqual(expect.any(String));
      expect(tx.TransactItems).toHaveLength(3);
      expect(tx.TransactItems![0]!.Update).toMatchObject({
        Key: { pk: { S: 'POOL#linux' }, sk: { S: 'COUNTER' } },
        ConditionExpression: 'attribute_not_exists(alive) OR alive <= :limit',
        ExpressionAttributeValues: expect.objectContaining({ ':n': { N: '2' }, ':limit': { N: '2' } }),
      });
      expect(tx.TransactItems![1]!.Put).toMatchObject({
        ConditionExpression: 'attribute_not_exists(pk)',
        Item: expect.objectContaining({ pk: { S: 'RUNNER#a' }, gsi1pk: { S: 'POOL#linux#RUNNER' }, gsi1sk: { S: 'launching#a' } }),
      });
    });

    it('admits nothing and writes nothing when the pool is full', async () => {
      ddb.on(GetItemCommand).resolves(counter(4));
      expect(await ledger.admit('linux', [runner('a')], 4, signal())).toEqual([]);
      expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
    });

    it('re-reads the counter and retries with fewer when a concurrent admission took the room', async () => {
      ddb.on(GetItemCommand).resolvesOnce(counter(0)).resolves(counter(3));
      ddb.on(TransactWriteItemsCommand).rejectsOnce(cancelled('ConditionalCheckFailed', 'None', 'None')).resolves({});

      const admitted = await ledger.admit('linux', [runner('a'), runner('b')], 4, signal());

      expect(admitted.map((r) => r.name)).toEqual(['a']);
      const calls = ddb.commandCalls(TransactWriteItemsCommand);
      expect(calls).toHaveLength(2);
      expect(calls[1]!.args[0].input.TransactItems).toHaveLength(2);
      expect(calls[0]!.args[0].input.ClientRequestToken).not.toBe(calls[1]!.args[0].input.ClientRequestToken);
    });

    it('drops a runner whose name is taken and admits the rest', async () => {
      ddb.on(GetItemCommand).resolves(counter(0));
      ddb.on(TransactWriteItemsCommand).rejectsOnce(cancelled('None', 'ConditionalCheckFailed', 'None')).resolves({});
      const admitted = await ledger.admit('linux', [runner('a'), runner('b')], 4, signal());
      expect(admitted.map((r) => r.name)).toEqual(['b']);
    });

    it('backs off on transaction conflicts and gives up with a retryable conflict error after maxAttempts', async () => {
      const bounded = new DynamoDbLedger({ tableName: 'ledger', client: new DynamoDBClient({ region: 'us-east-1' }), clock, maxAttempts: 3 });
      ddb.on(GetItemCommand).resolves(counter(0));
      ddb.on(TransactWriteItemsCommand).rejects(cancelled('TransactionConflict', 'None'));
      const err = await bounded.admit('linux', [runner('a')], 4, signal()).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'AwsError', code: 'conflict', retryable: true });
      expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(3);
    });

    it('splits more than 99 runners over several transactions (100 items each at most)', async () => {
      ddb.on(GetItemCommand).resolvesOnce(counter(0)).resolves(counter(99));
      ddb.on(TransactWriteItemsCommand).resolves({});
      const many = Array.from({ length: 150 }, (_, i) => runner(`r${i}`));
      const admitted = await ledger.admit('linux', many, 120, signal());
      expect(admitted).toHaveLength(120);
      expect(ddb.commandCalls(TransactWriteItemsCommand).map((c) => c.args[0].input.TransactItems!.length)).toEqual([100, 22]);
    });
  });

  describe('putRunner', () => {
    it('moves an alive runner to terminated and lowers the counter in the same transaction, conditioned on the previous state', async () => {
      ddb.on(TransactWriteItemsCommand).resolves({});
      expect(await ledger.putRunner(runner('a', { state: 'terminated', version: 3 }), signal())).toBe('ok');
      const items = ddb.commandCalls(TransactWriteItemsCommand)[0]!.args[0].input.TransactItems!;
      expect(items[0]!.Put!.ConditionExpression).toBe('#version = :prev AND #poolId = :pool AND #state IN (:alive0, :alive1, :alive2, :alive3, :alive4)');
      expect(items[0]!.Put!.Item!.expiresAt).toEqual({ N: String((NOW + 86_400_000) / 1000) });
      expect(items[1]!.Update).toMatchObject({ UpdateExpression: 'ADD alive :d SET kind = :kind', ExpressionAttributeValues: expect.objectContaining({ ':d': { N: '-1' } }) });
    });

    it('writes an alive-to-alive move with one conditional put and no counter change', async () => {
      ddb.on(PutItemCommand).resolves({});
      expect(await ledger.putRunner(runner('a', { state: 'idle', version: 2 }), signal())).toBe('ok');
      expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(0);
      expect(ddb.commandCalls(PutItemCommand)[0]!.args[0].input.ConditionExpression).toContain('#state IN');
    });

    it('re-reads once on a failed guess: an already finished runner is rewritten without freeing a second slot', async () => {
      ddb.on(TransactWriteItemsCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));
      ddb.on(GetItemCommand).resolves({ Item: runnerItem(runner('a', { state: 'failed', version: 2 }), undefined) });
      ddb.on(PutItemCommand).resolves({});

      expect(await ledger.putRunner(runner('a', { state: 'terminated', version: 3 }), signal())).toBe('ok');

      expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(1);
      expect(ddb.commandCalls(PutItemCommand)[0]!.args[0].input.ConditionExpression).toContain('NOT #state IN');
    });

    it('answers conflict when the stored version is not the previous one', async () => {
      ddb.on(TransactWriteItemsCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));
      ddb.on(GetItemCommand).resolves({ Item: runnerItem(runner('a', { state: 'idle', version: 5 }), undefined) });
      expect(await ledger.putRunner(runner('a', { state: 'terminated', version: 3 }), signal())).toBe('conflict');
    });
  });

  describe('queries', () => {
    it('lists a pool\'s queued jobs from the byPool index, following pages', async () => {
      const item = (id: number) => ({
        pk: { S: `JOB#${id}` },
        sk: { S: 'JOB' },
        gsi1pk: { S: 'POOL#linux#JOB' },
        id: { N: String(id) },
        status: { S: 'queued' },
        labels: { L: [{ S: 'linux' }] },
        version: { N: '1' },
      });
      ddb
        .on(QueryCommand)
        .resolvesOnce({ Items: [item(1)], LastEvaluatedKey: { pk: { S: 'JOB#1' } } })
        .resolves({ Items: [item(2)] });

      const jobs = await ledger.listJobs({ poolId: 'linux', statuses: ['queued'] }, signal());

      expect(jobs).toEqual([
        { id: 1, status: 'queued', labels: ['linux'], version: 1 },
        { id: 2, status: 'queued', labels: ['linux'], version: 1 },
      ]);
      const calls = ddb.commandCalls(QueryCommand);
      expect(calls[0]!.args[0].input).toMatchObject({
        IndexName: 'byPool',
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :s)',
        ExpressionAttributeValues: { ':pk': { S: 'POOL#linux#JOB' }, ':s': { S: 'queued#' } },
      });
      expect(calls[1]!.args[0].input.ExclusiveStartKey).toEqual({ pk: { S: 'JOB#1' } });
    });

    it('lists runners by state across pools from the byStatus index, one query per distinct state', async () => {
      ddb.on(QueryCommand).resolves({ Items: [] });
      await ledger.listRunners({ states: ['idle', 'busy', 'idle'] }, signal());
      expect(ddb.commandCalls(QueryCommand).map((c) => c.args[0].input.ExpressionAttributeValues)).toEqual([
        { ':pk': { S: 'RUNNER#idle' } },
        { ':pk': { S: 'RUNNER#busy' } },
      ]);
    });
  });

  describe('claim', () => {
    it('puts the id with a TTL of at + deliveryRetention, conditioned on absence or expiry', async () => {
      ddb.on(PutItemCommand).resolvesOnce({}).rejects(new ConditionalCheckFailedException({ message: 'x', $metadata: {} }));
      expect(await ledger.claim('guid-1', NOW, signal())).toBe('claimed');
      expect(await ledger.claim('guid-1', NOW, signal())).toBe('taken');
      const input = ddb.commandCalls(PutItemCommand)[0]!.args[0].input;
      expect(input.ConditionExpression).toBe('attribute_not_exists(pk) OR expiresAt <= :now');
      expect(input.Item).toMatchObject({ pk: { S: 'DELIVERY#guid-1' }, expiresAt: { N: String((NOW + 3 * 86_400_000) / 1000) } });
      expect(input.ExpressionAttributeValues).toEqual({ ':now': { N: String(NOW / 1000) } });
    });
  });

  it('reports an aborted call as aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    ddb.on(GetItemCommand).rejects(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    await expect(ledger.getJob(1, controller.signal)).rejects.toMatchObject({ code: 'aborted' });
  });
});

describe('item codec', () => {
  it('round-trips JSON-like records, dropping undefined and keeping null, empty lists and nested maps', () => {
    const value = { a: 'x', b: 1.5, c: true, d: null, e: [], f: { g: ['h', 2] }, u: undefined };
    const back = fromAttributeValue(toAttributeValue(value)!);
    expect(back).toEqual({ a: 'x', b: 1.5, c: true, d: null, e: [], f: { g: ['h', 2] } });
  });

  it('keeps the ledger\'s key attributes out of records', () => {
    const item = runnerItem(runner('a', { state: 'failed' }), 123);
    expect(recordOf(item)).toEqual(runner('a', { state: 'failed' }));
  });

  it('refuses non-finite numbers', () => {
    expect(() => toAttributeValue(Number.NaN)).toThrow(/non-finite/);
  });
});
