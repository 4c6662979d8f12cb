// The Ledger port on one DynamoDB table (DESIGN.md §4, §5 rule 1). Table design: README "DynamoDB table design".
import { randomUUID } from 'node:crypto';
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { AttributeValue, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { ALIVE_RUNNER_STATES, noopMetrics, systemClock } from '@ghr/core';
import type { Clock, Job, JobFilter, JobStatus, Ledger, Metrics, Runner, RunnerFilter, RunnerState, WriteResult } from '@ghr/core';
import { AwsError, toAwsError } from '../errors.js';
import {
  byPoolPk,
  byStatusPk,
  counterKey,
  deliveryKey,
  jobItem,
  jobKey,
  recordOf,
  runnerItem,
  runnerKey,
} from './item-codec.js';

/** Options of a {@link DynamoDbLedger}. */
export interface DynamoDbLedgerOptions {
  /** The ledger table (created from `ledgerTableDefinition`). */
  readonly tableName: string;
  /** Default: a `DynamoDBClient` with the SDK's default region and credentials chain. */
  readonly client?: DynamoDBClient;
  /** Time source for TTLs and backoff. Default `systemClock`. */
  readonly clock?: Clock;
  /** How long completed jobs and terminated/failed runners are kept after their last write (ms). Default 1 day. */
  readonly retention?: number;
  /** How long delivery ids are remembered for dedupe, from their `at` (ms). Default 3 days (GitHub's redelivery window). */
  readonly deliveryRetention?: number;
  /** Attempts of one `admit` or `putRunner` against concurrent writers before giving up. Default 20. */
  readonly maxAttempts?: number;
  /** Receives `LedgerAdmitConflicts` and `LedgerAdmitTransactions` counts (dimension `pool`). Default none. */
  readonly metrics?: Metrics;
}

const ALIVE: ReadonlySet<RunnerState> = new Set(ALIVE_RUNNER_STATES);
const JOB_STATUSES: readonly JobStatus[] = ['waiting', 'queued', 'in_progress', 'completed'];
const RUNNER_STATES: readonly RunnerState[] = [...ALIVE_RUNNER_STATES, 'terminated', 'failed'];
/** DynamoDB allows 100 items per transaction; one is the pool counter. */
const MAX_RUNNERS_PER_TRANSACTION = 99;
const DAY = 86_400_000;

/** How one transaction attempt ended. */
type TxOutcome = { readonly ok: true } | { readonly ok: false; readonly reasons: readonly (string | undefined)[] };

/**
 * A {@link Ledger} on a single DynamoDB table. Every write is conditional on the record's `version`; `admit` is a
 * `TransactWriteItems` that raises the pool's `alive` counter under the condition `alive <= max - n` and creates
 * the runners with `attribute_not_exists`, so concurrent reconcilers never exceed `maxRunners`; a `putRunner`
 * that moves a runner out of an alive state lowers the counter in the same transaction, conditioned on the
 * previous state, so exactly once. Lists are `Query`s on the `byPool` and `byStatus` indexes, never scans.
 * Finished records and delivery ids get a TTL (`expiresAt`).
 *
 * Lists read global secondary indexes, which DynamoDB updates asynchronously (usually within a second):
 * the engine treats lists as hints and conditional writes as truth. `get*`, `alive` and all writes are strongly
 * consistent.
 *
 * @example
 * ```ts
 * const ledger = new DynamoDbLedger({ tableName: 'ghr-ledger', client: new DynamoDBClient({}) });
 * const admitted = await ledger.admit('linux', runners, pool.maxRunners, AbortSignal.timeout(10_000));
 * ```
 */
export class DynamoDbLedger implements Ledger {
  readonly #table: string;
  readonly #client: DynamoDBClient;
  readonly #clock: Clock;
  readonly #retention: number;
  readonly #deliveryRetention: number;
  readonly #maxAttempts: number;
  readonly #metrics: Metrics;

  constructor(options: DynamoDbLedgerOptions) {
    if (!options.tableName) {
      throw new AwsError('DynamoDbLedger needs a tableName: pass the ledger table name in its options.', {
        code: 'invalid-config',
      });
    }
    this.#table = options.tableName;
    this.#client = options.client ?? new DynamoDBClient({});
    this.#clock = options.clock ?? systemClock;
    this.#retention = options.retention ?? DAY;
    this.#deliveryRetention = options.deliveryRetention ?? 3 * DAY;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 20);
    this.#metrics = options.metrics ?? noopMetrics;
  }

  async getJob(id: number, signal: AbortSignal): Promise<Job | undefined> {
    const item = await this.#get(jobKey(id), `get job ${id}`, signal);
    return item ? recordOf<Job>(item) : undefined;
  }

  async putJob(record: Job, signal: AbortSignal): Promise<WriteResult> {
    if (!Number.isInteger(record.version) || record.version < 1) return 'conflict';
    const expires = record.status === 'completed' ? this.#expiry(this.#clock.now() + this.#retention) : undefined;
    const put = {
      TableName: this.#table,
      Item: jobItem(record, expires),
      ...versionCondition(record.version),
    };
    try {
      await this.#client.send(new PutItemCommand(put), { abortSignal: signal });
      return 'ok';
    } catch (err) {
      if (isConditionFailed(err)) return 'conflict';
      throw this.#error(err, `DynamoDB PutItem of job ${record.id}`, signal);
    }
  }

  async listJobs(filter: JobFilter, signal: AbortSignal): Promise<readonly Job[]> {
    const statuses = [...new Set(filter.statuses ?? JOB_STATUSES)];
    const items =
      filter.poolId === undefined
        ? await this.#queryEach(statuses.map((s) => byStatusQuery(byStatusPk('JOB', s))), 'list jobs', signal)
        : await this.#queryEach(byPoolQueries(byPoolPk('JOB', filter.poolId), filter.statuses), 'list jobs', signal);
    return items.map((item) => recordOf<Job>(item));
  }

  async getRunner(name: string, signal: AbortSignal): Promise<Runner | undefined> {
    const item = await this.#get(runnerKey(name), `get runner ${name}`, signal);
    return item ? recordOf<Runner>(item) : undefined;
  }

  async putRunner(record: Runner, signal: AbortSignal): Promise<WriteResult> {
    if (!Number.isInteger(record.version) || record.version < 1) return 'conflict';
    const expires = ALIVE.has(record.state) ? undefined : this.#expiry(this.#clock.now() + this.#retention);
    const item = runnerItem(record, expires);
    // Guess the previous record (alive, same pool: the common case) and let the condition check the guess; on a
    // failed check, read the stored record once to tell a version conflict from a wrong guess.
    let previous: { readonly alive: boolean; readonly poolId: string } | undefined =
      record.version === 1 ? undefined : { alive: true, poolId: record.poolId };
    let reread = false;
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.#writeRunner(record, item, previous, signal);
      if (outcome.ok) return 'ok';
      if (outcome.reasons[0] !== 'ConditionalCheckFailed') {
        // A concurrent transaction on the runner or a counter (TransactionConflict): same write again, later.
        if (attempt >= this.#maxAttempts) {
          throw new AwsError(
            `DynamoDB kept cancelling the write of runner ${record.name} for concurrent transactions (${attempt} attempts): retry later.`,
            { code: 'conflict', retryable: true, awsCode: outcome.reasons.find((r) => r && r !== 'None') ?? 'TransactionConflict' },
          );
        }
        await this.#backoff(attempt, signal);
        continue;
      }
      if (record.version === 1 || reread) return 'conflict';
      reread = true;
      const stored = await this.#get(runnerKey(record.name), `get runner ${record.name}`, signal);
      if (!stored) return 'conflict';
      const current = recordOf<Runner>(stored);
      if (current.version !== record.version - 1) return 'conflict';
      previous = { alive: ALIVE.has(current.state), poolId: current.poolId };
    }
  }

  async listRunners(filter: RunnerFilter, signal: AbortSignal): Promise<readonly Runner[]> {
    const states = [...new Set(filter.states ?? RUNNER_STATES)];
    const items =
      filter.poolId === undefined
        ? await this.#queryEach(states.map((s) => byStatusQuery(byStatusPk('RUNNER', s))), 'list runners', signal)
        : await this.#queryEach(byPoolQueries(byPoolPk('RUNNER', filter.poolId), filter.states), 'list runners', signal);
    return items.map((item) => recordOf<Runner>(item));
  }

  async admit(poolId: string, runners: readonly Runner[], maxRunners: number, signal: AbortSignal): Promise<readonly Runner[]> {
    const seen = new Set<string>();
    let pending: Runner[] = [];
    for (const runner of runners) {
      if (seen.has(runner.name)) continue;
      seen.add(runner.name);
      pending.push({ ...runner, poolId, state: 'launching', version: 1 });
    }
    const admitted: Runner[] = [];
    let conflicts = 0;
    let transactions = 0;
    try {
      while (pending.length > 0) {
        const alive = await this.alive(poolId, signal);
        const room = Math.min(maxRunners - alive, pending.length, MAX_RUNNERS_PER_TRANSACTION);
        if (room <= 0) break;
        const batch = pending.slice(0, room);
        transactions += 1;
        const outcome = await this.#transact(admitItems(this.#table, poolId, batch, maxRunners), `admit to pool ${poolId}`, signal);
        if (outcome.ok) {
          admitted.push(...batch);
          pending = pending.slice(batch.length);
          // Fewer than a full transaction means the room (or the request) is used up: the pool is full.
          if (batch.length < MAX_RUNNERS_PER_TRANSACTION) break;
          continue;
        }
        // Reasons: [counter, ...runners]. A taken name is dropped (as the memory ledger skips it); a counter that
        // moved or a concurrent transaction means: read the counter again and retry, a bounded number of times.
        const taken = new Set(batch.filter((_, i) => outcome.reasons[i + 1] === 'ConditionalCheckFailed').map((r) => r.name));
        if (taken.size > 0) {
          pending = pending.filter((r) => !taken.has(r.name));
          continue;
        }
        conflicts += 1;
        if (conflicts >= this.#maxAttempts) {
          if (admitted.length > 0) break;
          throw new AwsError(
            `Admission to pool ${poolId} kept losing to concurrent admissions (${conflicts} attempts): retry the reconcile.`,
            { code: 'conflict', retryable: true },
          );
        }
        if (outcome.reasons[0] !== 'ConditionalCheckFailed') await this.#backoff(conflicts, signal);
      }
    } finally {
      this.#metrics.record('LedgerAdmitTransactions', transactions, 'Count', { pool: poolId });
      this.#metrics.record('LedgerAdmitConflicts', conflicts, 'Count', { pool: poolId });
    }
    return admitted;
  }

  async alive(poolId: string, signal: AbortSignal): Promise<number> {
    const item = await this.#get(counterKey(poolId), `read the alive count of pool ${poolId}`, signal);
    const n = item?.alive?.N === undefined ? 0 : Number(item.alive.N);
    return Math.max(0, n);
  }

  async claim(key: string, at: number, signal: AbortSignal): Promise<'claimed' | 'taken'> {
    const nowSeconds = Math.floor(this.#clock.now() / 1000);
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            ...deliveryKey(key),
            kind: { S: 'delivery' },
            at: { N: String(at) },
            expiresAt: { N: String(this.#expiry(at + this.#deliveryRetention)) },
          },
          // TTL deletion lags (up to days): an expired id that is still stored counts as new.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
          ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
        }),
        { abortSignal: signal },
      );
      return 'claimed';
    } catch (err) {
      if (isConditionFailed(err)) return 'taken';
      throw this.#error(err, 'DynamoDB PutItem of a delivery id', signal);
    }
  }

  // -------------------------------------------------------------------------------------------------------

  async #writeRunner(
    record: Runner,
    item: Record<string, AttributeValue>,
    previous: { readonly alive: boolean; readonly poolId: string } | undefined,
    signal: AbortSignal,
  ): Promise<TxOutcome> {
    const nowAlive = ALIVE.has(record.state);
    const put = { TableName: this.#table, Item: item, ...runnerCondition(record.version, previous) };
    const deltas = new Map<string, number>();
    if (previous?.alive) deltas.set(previous.poolId, -1);
    if (nowAlive) deltas.set(record.poolId, (deltas.get(record.poolId) ?? 0) + 1);
    const counters: TransactWriteItem[] = [...deltas]
      .filter(([, d]) => d !== 0)
      .map(([pool, d]) => ({
        Update: {
          TableName: this.#table,
          Key: counterKey(pool),
          UpdateExpression: 'ADD alive :d SET kind = :kind',
          ExpressionAttributeValues: { ':d': { N: String(d) }, ':kind': { S: 'counter' } },
        },
      }));
    if (counters.length === 0) {
      try {
        await this.#client.send(new PutItemCommand(put), { abortSignal: signal });
        return { ok: true };
      } catch (err) {
        if (isConditionFailed(err)) return { ok: false, reasons: ['ConditionalCheckFailed'] };
        throw this.#error(err, `DynamoDB PutItem of runner ${record.name}`, signal);
      }
    }
    return this.#transact([{ Put: put }, ...counters], `write runner ${record.name}`, signal);
  }

  async #transact(items: TransactWriteItem[], what: string, signal: AbortSignal): Promise<TxOutcome> {
    try {
      // A token per attempt: the SDK's own retries of this attempt are idempotent, our retries are not replays.
      await this.#client.send(new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: randomUUID() }), {
        abortSignal: signal,
      });
      return { ok: true };
    } catch (err) {
      const reasons = cancellationReasons(err);
      if (reasons) return { ok: false, reasons };
      if (errorName(err) === 'TransactionConflictException') return { ok: false, reasons: ['TransactionConflict'] };
      throw this.#error(err, `DynamoDB TransactWriteItems (${what})`, signal);
    }
  }

  async #get(key: Record<string, AttributeValue>, what: string, signal: AbortSignal): Promise<Record<string, AttributeValue> | undefined> {
    try {
      const out = await this.#client.send(new GetItemCommand({ TableName: this.#table, Key: key, ConsistentRead: true }), {
        abortSignal: signal,
      });
      return out.Item;
    } catch (err) {
      throw this.#error(err, `DynamoDB GetItem (${what})`, signal);
    }
  }

  async #queryEach(queries: readonly IndexQuery[], what: string, signal: AbortSignal): Promise<Record<string, AttributeValue>[]> {
    const pages = await Promise.all(queries.map((q) => this.#query(q, what, signal)));
    return pages.flat();
  }

  async #query(q: IndexQuery, what: string, signal: AbortSignal): Promise<Record<string, AttributeValue>[]> {
    const out: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      try {
        const page = await this.#client.send(new QueryCommand({ TableName: this.#table, ...q, ExclusiveStartKey: start }), {
          abortSignal: signal,
        });
        out.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } catch (err) {
        throw this.#error(err, `DynamoDB Query on index ${q.IndexName} (${what})`, signal);
      }
    } while (start !== undefined);
    return out;
  }

  async #backoff(attempt: number, signal: AbortSignal): Promise<void> {
    const cap = Math.min(250, 5 * 2 ** Math.min(attempt, 6));
    await this.#clock.sleep(Math.floor(Math.random() * cap) + 1, signal);
  }

  #expiry(atMs: number): number {
    return Math.ceil(atMs / 1000);
  }

  #error(err: unknown, what: string, signal: AbortSignal): AwsError {
    if (signal.aborted) {
      return new AwsError(`${what} was aborted: the caller's deadline passed. Retry within a new deadline.`, {
        code: 'aborted',
        cause: err,
      });
    }
    return toAwsError(err, what);
  }
}

// ---------------------------------------------------------------------------------------------------------

interface IndexQuery {
  readonly IndexName: string;
  readonly KeyConditionExpression: string;
  readonly ExpressionAttributeValues: Record<string, AttributeValue>;
}

function byStatusQuery(pk: string): IndexQuery {
  return { IndexName: 'byStatus', KeyConditionExpression: 'gsi2pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } };
}

function byPoolQueries(pk: string, statuses: readonly string[] | undefined): IndexQuery[] {
  if (statuses === undefined) {
    return [{ IndexName: 'byPool', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } }];
  }
  return [...new Set(statuses)].map((s) => ({
    IndexName: 'byPool',
    KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :s)',
    ExpressionAttributeValues: { ':pk': { S: pk }, ':s': { S: `${s}#` } },
  }));
}

function versionCondition(version: number) {
  return version === 1
    ? { ConditionExpression: 'attribute_not_exists(pk)' }
    : {
        ConditionExpression: '#version = :prev',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':prev': { N: String(version - 1) } },
      };
}

/** The runner put's condition: the previous version, and the previous aliveness and pool the counters assume. */
function runnerCondition(version: number, previous: { readonly alive: boolean; readonly poolId: string } | undefined) {
  if (version === 1 || previous === undefined) return versionCondition(version);
  const alive = ALIVE_RUNNER_STATES.map((_, i) => `:alive${i}`);
  const values: Record<string, AttributeValue> = { ':prev': { N: String(version - 1) }, ':pool': { S: previous.poolId } };
  ALIVE_RUNNER_STATES.forEach((s, i) => (values[`:alive${i}`] = { S: s }));
  const stateTest = `#state IN (${alive.join(', ')})`;
  return {
    ConditionExpression: `#version = :prev AND #poolId = :pool AND ${previous.alive ? stateTest : `NOT ${stateTest}`}`,
    ExpressionAttributeNames: { '#version': 'version', '#state': 'state', '#poolId': 'poolId' },
    ExpressionAttributeValues: values,
  };
}

function admitItems(table: string, poolId: string, batch: readonly Runner[], maxRunners: number): TransactWriteItem[] {
  const n = batch.length;
  return [
    {
      Update: {
        TableName: table,
        Key: counterKey(poolId),
        UpdateExpression: 'SET alive = if_not_exists(alive, :zero) + :n, kind = :kind',
        ConditionExpression: 'attribute_not_exists(alive) OR alive <= :limit',
        ExpressionAttributeValues: {
          ':zero': { N: '0' },
          ':n': { N: String(n) },
          ':limit': { N: String(maxRunners - n) },
          ':kind': { S: 'counter' },
        },
      },
    },
    ...batch.map((runner) => ({
      Put: { TableName: table, Item: runnerItem(runner, undefined), ConditionExpression: 'attribute_not_exists(pk)' },
    })),
  ];
}

function errorName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as { name?: string }).name : undefined;
}

function isConditionFailed(err: unknown): boolean {
  return errorName(err) === 'ConditionalCheckFailedException';
}

/** The per-item `Code`s of a cancelled transaction (`None` for items that passed), or undefined. */
function cancellationReasons(err: unknown): (string | undefined)[] | undefined {
  if (errorName(err) !== 'TransactionCanceledException') return undefined;
  const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  if (reasons && reasons.length > 0) return reasons.map((r) => r.Code);
  // Some servers put the reasons only in the message: "... reasons [None, ConditionalCheckFailed]".
  const match = /\[([^\]]*)\]/.exec((err as { message?: string }).message ?? '');
  return match?.[1]?.split(',').map((s) => s.trim()) ?? ['Unknown'];
}
