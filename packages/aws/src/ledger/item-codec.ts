// Plain JSON-like values <-> DynamoDB attribute values, and the single-table keys of the ledger.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Job, JobStatus, Runner, RunnerState } from '@ghr/core';

/** Attribute names the ledger owns on every item; record fields never use them. */
export const KEY_ATTRIBUTES = ['pk', 'sk', 'kind', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'expiresAt'] as const;
const RESERVED: ReadonlySet<string> = new Set(KEY_ATTRIBUTES);

/** Marshals a JSON-like value (string, number, boolean, null, array, plain object). `undefined` is dropped. */
export function toAttributeValue(value: unknown): AttributeValue | undefined {
  if (value === undefined) return undefined;
  if (value === null) return { NULL: true };
  switch (typeof value) {
    case 'string':
      return { S: value };
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`Cannot store the non-finite number ${value} in DynamoDB.`);
      return { N: String(value) };
    case 'boolean':
      return { BOOL: value };
    case 'object': {
      if (Array.isArray(value)) return { L: value.map((v) => toAttributeValue(v) ?? { NULL: true }) };
      const out: Record<string, AttributeValue> = {};
      for (const [k, v] of Object.entries(value)) {
        const av = toAttributeValue(v);
        if (av !== undefined) out[k] = av;
      }
      return { M: out };
    }
    default:
      throw new TypeError(`Cannot store a value of type ${typeof value} in DynamoDB.`);
  }
}

/** Unmarshals what {@link toAttributeValue} wrote. */
export function fromAttributeValue(av: AttributeValue): unknown {
  if (av.S !== undefined) return av.S;
  if (av.N !== undefined) return Number(av.N);
  if (av.BOOL !== undefined) return av.BOOL;
  if (av.NULL !== undefined) return null;
  if (av.L !== undefined) return av.L.map(fromAttributeValue);
  if (av.M !== undefined) return fromItem(av.M);
  if (av.SS !== undefined) return [...av.SS];
  if (av.NS !== undefined) return av.NS.map(Number);
  return undefined;
}

function fromItem(item: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) out[k] = fromAttributeValue(v);
  return out;
}

/** The record fields of an item, without the ledger's key attributes. */
export function recordOf<T>(item: Record<string, AttributeValue>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!RESERVED.has(k)) out[k] = fromAttributeValue(v);
  return out as T;
}

function recordAttributes(record: object): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(record)) {
    if (RESERVED.has(k)) continue;
    const av = toAttributeValue(v);
    if (av !== undefined) out[k] = av;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Keys (see README "DynamoDB table design").

export const jobKey = (id: number) => ({ pk: { S: `JOB#${id}` }, sk: { S: 'JOB' } });
export const runnerKey = (name: string) => ({ pk: { S: `RUNNER#${name}` }, sk: { S: 'RUNNER' } });
export const counterKey = (poolId: string) => ({ pk: { S: `POOL#${poolId}` }, sk: { S: 'COUNTER' } });
export const deliveryKey = (id: string) => ({ pk: { S: `DELIVERY#${id}` }, sk: { S: 'DELIVERY' } });

/** Partition key of the `byPool` index for a pool's jobs or runners. */
export const byPoolPk = (kind: 'JOB' | 'RUNNER', poolId: string) => `POOL#${poolId}#${kind}`;
/** Partition key of the `byStatus` index for jobs of one status or runners of one state. */
export const byStatusPk = (kind: 'JOB' | 'RUNNER', status: JobStatus | RunnerState) => `${kind}#${status}`;

/** The item of a job; `expiresAt` (epoch seconds) only when it is completed. */
export function jobItem(job: Job, expiresAtSeconds: number | undefined): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    ...recordAttributes(job),
    ...jobKey(job.id),
    kind: { S: 'job' },
    gsi2pk: { S: byStatusPk('JOB', job.status) },
    gsi2sk: { S: String(job.id) },
  };
  if (job.poolId !== null && job.poolId !== undefined) {
    item.gsi1pk = { S: byPoolPk('JOB', job.poolId) };
    item.gsi1sk = { S: `${job.status}#${job.id}` };
  }
  if (expiresAtSeconds !== undefined) item.expiresAt = { N: String(expiresAtSeconds) };
  return item;
}

/** The item of a runner; `expiresAt` (epoch seconds) only when it is terminated or failed. */
export function runnerItem(runner: Runner, expiresAtSeconds: number | undefined): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    ...recordAttributes(runner),
    ...runnerKey(runner.name),
    kind: { S: 'runner' },
    gsi1pk: { S: byPoolPk('RUNNER', runner.poolId) },
    gsi1sk: { S: `${runner.state}#${runner.name}` },
    gsi2pk: { S: byStatusPk('RUNNER', runner.state) },
    gsi2sk: { S: runner.name },
  };
  if (expiresAtSeconds !== undefined) item.expiresAt = { N: String(expiresAtSeconds) };
  return item;
}
