// The DynamoDB ledger against moto: the Ledger contract suite, plus what only a real table shows.
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describeLedgerContract, jobRecord, runnerRecord } from '@ghr/contracts';
import { ALIVE_RUNNER_STATES } from '@ghr/core';
import type { Runner } from '@ghr/core';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { DynamoDbLedger } from '../src/ledger/dynamodb-ledger.js';
import { ledgerCreateTableInput, ledgerTableDefinition } from '../src/ledger/table.js';
import { countCalls, oneRequestAtATime, resetMoto, startFaultProxy, testClients } from './setup/index.js';
import type { FaultProxy, TestClients } from './setup/index.js';

const endpoint = inject('motoEndpoint');
const signal = () => AbortSignal.timeout(30_000);
const TABLE = 'ghr-ledger';

async function createLedgerTable(dynamodb: DynamoDBClient): Promise<void> {
  await dynamodb.send(new CreateTableCommand(ledgerCreateTableInput(TABLE)));
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: TABLE,
      TimeToLiveSpecification: { AttributeName: ledgerTableDefinition.TimeToLiveAttribute, Enabled: true },
    }),
  );
}

let aws: TestClients;
beforeAll(() => {
  aws = testClients(endpoint, { maxAttempts: 3 });
  oneRequestAtATime(aws.dynamodb);
});
afterAll(() => aws.destroy());

describeLedgerContract('DynamoDbLedger on moto', async () => {
  await resetMoto(endpoint);
  await createLedgerTable(aws.dynamodb);
  return { ledger: new DynamoDbLedger({ tableName: TABLE, client: aws.dynamodb }) };
});

describe('DynamoDbLedger on moto', () => {
  let now = Date.UTC(2026, 0, 5, 9);
  const clock = { now: () => now, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
  let ledger: DynamoDbLedger;

  beforeEach(async () => {
    await resetMoto(endpoint);
    await createLedgerTable(aws.dynamodb);
    now = Date.UTC(2026, 0, 5, 9);
    ledger = new DynamoDbLedger({ tableName: TABLE, client: aws.dynamodb, clock, retention: 3_600_000 });
  });

  const raw = async (pk: string, sk: string) =>
    (await aws.dynamodb.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }))).Item;

  it('creates the table the definition describes, with TTL on expiresAt', async () => {
    const ttl = await aws.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: TABLE }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
  });

  // 50 concurrent admitters run in the contract suite above; here 16, each wanting more than fits.
  for (const [admitters, max] of [[16, 10]] as const) {
    it(`never admits above max with ${admitters} parallel admitters (max ${max}), and the counter matches the records`, async () => {
      const batches = Array.from({ length: admitters }, (_, i) => [0, 1, 2, 3].map((j) => runnerRecord(`r-${i}-${j}`)));
      const results = await Promise.all(batches.map((b) => ledger.admit('linux', b, max, signal())));
      const admitted = results.flat();
      expect(admitted).toHaveLength(max);
      expect(await ledger.alive('linux', signal())).toBe(max);
      expect(await ledger.listRunners({ poolId: 'linux', states: ['launching'] }, signal())).toHaveLength(max);
    });
  }

  it('keeps the counter equal to the alive records while admissions and terminations race', async () => {
    const max = 12;
    const first = await ledger.admit('linux', Array.from({ length: 12 }, (_, i) => runnerRecord(`a-${i}`)), max, signal());
    const terminate = first.map((r) => ledger.putRunner({ ...r, state: 'terminated', version: 2 }, signal()));
    const admit = Array.from({ length: 16 }, (_, i) => ledger.admit('linux', [runnerRecord(`b-${i}`), runnerRecord(`c-${i}`)], max, signal()));
    const [ends, admits] = await Promise.all([Promise.all(terminate), Promise.all(admit)]);
    expect(ends.every((r) => r === 'ok')).toBe(true);

    const alive = await ledger.listRunners({ poolId: 'linux', states: ALIVE_RUNNER_STATES }, signal());
    expect(alive.length).toBeLessThanOrEqual(max);
    expect(await ledger.alive('linux', signal())).toBe(alive.length);
    expect(admits.flat().length).toBe(alive.length);
  });

  it('sets a TTL on finished records only, after the retention option', async () => {
    const [r] = await ledger.admit('linux', [runnerRecord('r-1')], 5, signal());
    expect((await raw('RUNNER#r-1', 'RUNNER'))?.expiresAt).toBeUndefined();
    await ledger.putRunner({ ...r!, state: 'failed', version: 2 }, signal());
    expect((await raw('RUNNER#r-1', 'RUNNER'))?.expiresAt).toEqual({ N: String((now + 3_600_000) / 1000) });

    await ledger.putJob(jobRecord(1), signal());
    expect((await raw('JOB#1', 'JOB'))?.expiresAt).toBeUndefined();
    await ledger.putJob(jobRecord(1, { status: 'completed', version: 2 }), signal());
    expect((await raw('JOB#1', 'JOB'))?.expiresAt).toEqual({ N: String((now + 3_600_000) / 1000) });

    await ledger.claim('guid-1', now, signal());
    expect((await raw('DELIVERY#guid-1', 'DELIVERY'))?.expiresAt).toEqual({ N: String((now + 3 * 86_400_000) / 1000) });
  });

  it('never resurrects a finished job: a stale writer of an older version loses', async () => {
    await ledger.putJob(jobRecord(1), signal());
    const seenQueued = await ledger.getJob(1, signal());
    await ledger.putJob(jobRecord(1, { status: 'completed', version: 2 }), signal());
    // A reconciler that read the queued record before it completed writes its "in progress" update.
    expect(await ledger.putJob({ ...seenQueued!, status: 'in_progress', version: 2 }, signal())).toBe('conflict');
    expect(await ledger.putJob(jobRecord(1), signal())).toBe('conflict');
    expect((await ledger.getJob(1, signal()))?.status).toBe('completed');
  });

  it('answers a delivery id as new again once it expired, even before TTL deletion', async () => {
    expect(await ledger.claim('guid-2', now, signal())).toBe('claimed');
    now += 3 * 86_400_000 - 1_000;
    expect(await ledger.claim('guid-2', now, signal())).toBe('taken');
    now += 1_000;
    expect(await ledger.claim('guid-2', now, signal())).toBe('claimed');
  });

  it('answers queued jobs per pool and runners per pool by state with queries, never a scan', async () => {
    const calls = countCalls();
    calls.attach(aws.dynamodb);
    for (let i = 1; i <= 6; i += 1) await ledger.putJob(jobRecord(i, { poolId: i % 2 ? 'linux' : 'arm' }), signal());
    await ledger.putJob(jobRecord(1, { status: 'in_progress', version: 2 }), signal());
    const runners: Runner[] = [...(await ledger.admit('linux', [runnerRecord('l-1'), runnerRecord('l-2')], 5, signal()))];
    await ledger.putRunner({ ...runners[0]!, state: 'idle', version: 2 }, signal());

    const queued = await ledger.listJobs({ poolId: 'linux', statuses: ['queued'] }, signal());
    const idle = await ledger.listRunners({ poolId: 'linux', states: ['idle'] }, signal());
    const launching = await ledger.listRunners({ states: ['launching'] }, signal());

    expect(queued.map((j) => j.id).sort()).toEqual([3, 5]);
    expect(idle.map((r) => r.name)).toEqual(['l-1']);
    expect(launching.map((r) => r.name)).toEqual(['l-2']);
    expect(calls.count('Scan')).toBe(0);
    expect(calls.count('Query')).toBe(3);
  });
});

describe('DynamoDbLedger behind a fault proxy (what moto never answers)', () => {
  let proxy: FaultProxy;
  let faulty: TestClients;
  let ledger: DynamoDbLedger;
  const metricsSeen: [string, number][] = [];

  beforeAll(async () => {
    proxy = await startFaultProxy(endpoint);
    faulty = testClients(proxy.endpoint, { maxAttempts: 1 });
    oneRequestAtATime(faulty.dynamodb);
  });
  afterAll(async () => {
    faulty.destroy();
    await proxy.close();
  });
  beforeEach(async () => {
    proxy.clear();
    metricsSeen.length = 0;
    await resetMoto(endpoint);
    await createLedgerTable(aws.dynamodb);
    const metrics = { record: (name: string, value: number) => void metricsSeen.push([name, value]), flush: () => Promise.resolve() };
    ledger = new DynamoDbLedger({ tableName: TABLE, client: faulty.dynamodb, metrics, maxAttempts: 4 });
  });

  const conflict = (items: number) => ({
    error: 'TransactionCanceledException',
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${['TransactionConflict', ...Array.from({ length: items - 1 }, () => 'None')].join(', ')}]`,
  });

  it('retries an admission cancelled by TransactionConflict, then admits', async () => {
    proxy.add({ action: 'TransactWriteItems', times: 2, fault: conflict(3) });
    const admitted = await ledger.admit('linux', [runnerRecord('a'), runnerRecord('b')], 5, signal());
    expect(admitted.map((r) => r.name)).toEqual(['a', 'b']);
    expect(await ledger.alive('linux', signal())).toBe(2);
    expect(proxy.calls.filter((c) => c.action === 'TransactWriteItems').map((c) => c.faulted)).toEqual([true, true, false]);
    expect(metricsSeen).toEqual([
      ['LedgerAdmitTransactions', 3],
      ['LedgerAdmitConflicts', 2],
    ]);
  });

  it('gives up after maxAttempts with a retryable conflict error and stores nothing', async () => {
    proxy.add({ action: 'TransactWriteItems', fault: conflict(2) });
    await expect(ledger.admit('linux', [runnerRecord('a')], 5, signal())).rejects.toMatchObject({ name: 'AwsError', code: 'conflict', retryable: true });
    expect(await ledger.getRunner('a', signal())).toBeUndefined();
  });

  it('retries a runner termination cancelled by TransactionConflict and frees the slot once', async () => {
    const [a] = await ledger.admit('linux', [runnerRecord('a')], 5, signal());
    proxy.add({ action: 'TransactWriteItems', times: 1, fault: conflict(2) });
    expect(await ledger.putRunner({ ...a!, state: 'terminated', version: 2 }, signal())).toBe('ok');
    expect(await ledger.alive('linux', signal())).toBe(0);
  });

  it('translates throttling into a retryable AwsError', async () => {
    proxy.add({ action: 'PutItem', fault: { error: 'ProvisionedThroughputExceededException' } });
    await expect(ledger.putJob(jobRecord(1), signal())).rejects.toMatchObject({ name: 'AwsError', code: 'throttled', retryable: true });
  });
});
