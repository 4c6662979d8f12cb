// DynamoDB ledger admissions against moto on loopback: admissions per second under 16 concurrent admitters (and
// 1, as the baseline of the same run), with the conditional-check conflicts and retries they cost, and the
// DynamoDB calls per admitted runner. moto executes one request at a time here (its transactions are not atomic
// under parallel requests; DynamoDB's are), so absolute rates are moto's; compare the ratios.
import { CreateTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbLedger, ledgerCreateTableInput, ledgerTableDefinition } from '@ghr/aws';
import { countCalls, oneRequestAtATime, resetMoto, startMoto, testClients } from '@ghr/aws/testing';
import type { Metrics, Runner } from '@ghr/core';

const POOL = 'bench';
const MAX_RUNNERS = 20;
const ROUNDS = 4;
/** Admit-then-terminate cycles per admitter per round with 16 admitters (1 admitter does 16 times as many). */
const CYCLES = 2;
const RUNNERS_PER_ADMIT = 2;

const signal = () => AbortSignal.timeout(120_000);

/** Sums the ledger's admission metrics. */
function summingMetrics(): Metrics & { readonly sums: Map<string, number> } {
  const sums = new Map<string, number>();
  return {
    sums,
    record: (name, value) => void sums.set(name, (sums.get(name) ?? 0) + value),
    flush: () => Promise.resolve(),
  };
}

const runner = (name: string): Runner => ({
  name,
  poolId: POOL,
  state: 'launching',
  labels: ['self-hosted', 'linux'],
  ephemeral: true,
  createdAt: 0,
  updatedAt: 0,
  version: 1,
});

interface Figures {
  readonly admitters: number;
  readonly seconds: number;
  readonly admitCalls: number;
  readonly admitted: number;
  readonly transactions: number;
  readonly conflicts: number;
  readonly maxAliveSeen: number;
  readonly calls: Readonly<Record<string, number>>;
}

/**
 * `ROUNDS` rounds, each on a fresh table (moto copies the whole table on every transaction, so a growing table
 * would measure moto, not the ledger). In a round, `admitters` loops run concurrently, each `CYCLES` times: admit 2
 * runners (max 20 alive, so 16 admitters want up to 32 and contend for the last slots), then finish what it got
 * (putRunner → terminated, freeing the slot in the same transaction). Only the loops are timed.
 */
async function scenario(endpoint: string, admitters: number): Promise<Figures> {
  const aws = testClients(endpoint, { maxAttempts: 3 });
  oneRequestAtATime(aws.dynamodb);
  const calls = countCalls();
  calls.attach(aws.dynamodb);
  const metrics = summingMetrics();
  let admitted = 0;
  let admitCalls = 0;
  let maxAliveSeen = 0;
  let seconds = 0;
  const counted = { ...calls.counts() };
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      await resetMoto(endpoint);
      const table = `bench-ledger-${round}`;
      await aws.dynamodb.send(new CreateTableCommand(ledgerCreateTableInput(table)));
      await aws.dynamodb.send(
        new UpdateTimeToLiveCommand({
          TableName: table,
          TimeToLiveSpecification: { AttributeName: ledgerTableDefinition.TimeToLiveAttribute, Enabled: true },
        }),
      );
      const ledger = new DynamoDbLedger({ tableName: table, client: aws.dynamodb, metrics, maxAttempts: 50 });
      const cycles = (CYCLES * 16) / admitters;
      calls.reset();
      const started = performance.now();
      await Promise.all(
        Array.from({ length: admitters }, async (_, a) => {
          for (let i = 0; i < cycles; i += 1) {
            const batch = Array.from({ length: RUNNERS_PER_ADMIT }, (_, j) => runner(`r-${a}-${i}-${j}`));
            const got = await ledger.admit(POOL, batch, MAX_RUNNERS, signal());
            admitCalls += 1;
            admitted += got.length;
            maxAliveSeen = Math.max(maxAliveSeen, await ledger.alive(POOL, signal()));
            for (const r of got) await ledger.putRunner({ ...r, state: 'terminated', version: 2 }, signal());
          }
        }),
      );
      seconds += (performance.now() - started) / 1000;
      for (const [op, n] of Object.entries(calls.counts())) counted[op] = (counted[op] ?? 0) + n;
    }
    return {
      admitters,
      seconds,
      admitCalls,
      admitted,
      transactions: metrics.sums.get('LedgerAdmitTransactions') ?? 0,
      conflicts: metrics.sums.get('LedgerAdmitConflicts') ?? 0,
      maxAliveSeen,
      calls: counted,
    };
  } finally {
    aws.destroy();
  }
}

function print(f: Figures): void {
  const per = (n: number) => (f.admitted === 0 ? 'n/a' : (n / f.admitted).toFixed(2));
  console.log(
    `${String(f.admitters).padStart(2)} admitters: ${f.admitted} runners admitted in ${f.admitCalls} admit calls, ` +
      `${f.seconds.toFixed(2)} s → ${(f.admitted / f.seconds).toFixed(1)} admissions/s, ${(f.admitCalls / f.seconds).toFixed(1)} admit calls/s`,
  );
  console.log(
    `   transactions ${f.transactions} (${per(f.transactions)}/runner), conditional-check conflicts retried ${f.conflicts} ` +
      `(${(f.conflicts / Math.max(1, f.admitCalls)).toFixed(2)}/admit call), max alive seen ${f.maxAliveSeen} of ${MAX_RUNNERS}`,
  );
  const ddb = Object.entries(f.calls)
    .map(([op, n]) => `${op.replace(/^DynamoDB\./, '')} ${n}`)
    .join(', ');
  const total = Object.values(f.calls).reduce((a, b) => a + b, 0);
  console.log(`   DynamoDB calls (admit + alive + terminate): ${ddb}; ${((f.seconds * 1000) / total).toFixed(1)} ms of wall time per call`);
}

/** Prints admissions/s with 1 and 16 concurrent admitters against one moto server. */
export async function run(): Promise<void> {
  const moto = await startMoto({ ...(process.env['MOTO_ENDPOINT'] ? { endpoint: process.env['MOTO_ENDPOINT'] } : {}), ...(process.env['PATH'] ? { path: process.env['PATH'] } : {}) });
  try {
    console.log(`DynamoDB ledger on moto (${moto.endpoint}), pool max ${MAX_RUNNERS}, admit ${RUNNERS_PER_ADMIT} then terminate them`);
    print(await scenario(moto.endpoint, 1));
    print(await scenario(moto.endpoint, 16));
  } finally {
    await moto.stop();
  }
}
