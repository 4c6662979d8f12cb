// The ledger's DynamoDB table: one definition shared by tests (CreateTable against moto) and the CDK construct.
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** One key attribute of a table or index. */
export interface LedgerKeyAttribute {
  readonly AttributeName: string;
  readonly KeyType: 'HASH' | 'RANGE';
}

/** One global secondary index of the ledger table (projection: all attributes). */
export interface LedgerIndexDefinition {
  readonly IndexName: string;
  readonly KeySchema: readonly LedgerKeyAttribute[];
  readonly Projection: { readonly ProjectionType: 'ALL' };
}

/** The ledger table's shape, as plain data (names follow DynamoDB's CreateTable input). */
export interface LedgerTableDefinition {
  readonly KeySchema: readonly LedgerKeyAttribute[];
  readonly AttributeDefinitions: readonly { readonly AttributeName: string; readonly AttributeType: 'S' }[];
  readonly GlobalSecondaryIndexes: readonly LedgerIndexDefinition[];
  readonly BillingMode: 'PAY_PER_REQUEST';
  /** The TTL attribute (epoch seconds) set on finished records and delivery ids. */
  readonly TimeToLiveAttribute: string;
}

/**
 * The single table the DynamoDB ledger assumes (see the package README, "DynamoDB table design"):
 * primary key `pk`/`sk`; index `byPool` (`gsi1pk` = `POOL#<pool>#JOB|RUNNER`, `gsi1sk` = `<status>#<id>`) answers
 * "queued jobs of a pool" and "runners of a pool by state"; index `byStatus` (`gsi2pk` = `JOB#<status>` or
 * `RUNNER#<state>`) answers the same questions across pools; TTL on `expiresAt`. The CDK construct mirrors it.
 *
 * @example
 * ```ts
 * new dynamodb.Table(this, 'Ledger', {
 *   partitionKey: { name: ledgerTableDefinition.KeySchema[0].AttributeName, type: AttributeType.STRING },
 *   timeToLiveAttribute: ledgerTableDefinition.TimeToLiveAttribute,
 * });
 * ```
 */
export const ledgerTableDefinition: LedgerTableDefinition = {
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'gsi1pk', AttributeType: 'S' },
    { AttributeName: 'gsi1sk', AttributeType: 'S' },
    { AttributeName: 'gsi2pk', AttributeType: 'S' },
    { AttributeName: 'gsi2sk', AttributeType: 'S' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: 'byPool',
      KeySchema: [
        { AttributeName: 'gsi1pk', KeyType: 'HASH' },
        { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
    {
      IndexName: 'byStatus',
      KeySchema: [
        { AttributeName: 'gsi2pk', KeyType: 'HASH' },
        { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
  BillingMode: 'PAY_PER_REQUEST',
  TimeToLiveAttribute: 'expiresAt',
};

/**
 * A `CreateTable` input for the ledger table named `tableName` (tests, `ghr doctor`, scripts). Enable TTL on
 * {@link ledgerTableDefinition}`.TimeToLiveAttribute` afterwards (`UpdateTimeToLive`).
 *
 * @example
 * ```ts
 * await dynamodb.send(new CreateTableCommand(ledgerCreateTableInput('ghr-ledger')));
 * ```
 */
export function ledgerCreateTableInput(tableName: string): CreateTableCommandInput {
  const d = ledgerTableDefinition;
  return {
    TableName: tableName,
    KeySchema: d.KeySchema.map((k) => ({ ...k })),
    AttributeDefinitions: d.AttributeDefinitions.map((a) => ({ ...a })),
    GlobalSecondaryIndexes: d.GlobalSecondaryIndexes.map((i) => ({
      IndexName: i.IndexName,
      KeySchema: i.KeySchema.map((k) => ({ ...k })),
      Projection: { ...i.Projection },
    })),
    BillingMode: d.BillingMode,
  };
}
