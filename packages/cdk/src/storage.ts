// The control plane's state: the ledger table, the event queue with its dead-letter queue, the binaries bucket.
import { Duration } from 'aws-cdk-lib';
import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { GITHUB_RUNNERS_DEFAULTS } from './props.js';
import { suppressNag } from './suppress.js';

/**
 * The ledger table's keys, indexes and TTL attribute, as `@ghr/aws`' `DynamoDbLedger` expects them (its
 * `ledgerTableDefinition`; `apps/deploy`'s tests check that the two agree). Kept here so that `@ghr/cdk` depends on
 * `@ghr/core` only.
 */
export const LEDGER_TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [
    { indexName: 'byPool', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { indexName: 'byStatus', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ],
  timeToLiveAttribute: 'expiresAt',
} as const;

/** Props of {@link GhrStorage}. */
export interface GhrStorageProps {
  readonly removalPolicy: RemovalPolicy;
  /** The scale-up function's timeout: the queue's visibility timeout is three times it. */
  readonly consumerTimeout: Duration;
}

/**
 * The ledger (DynamoDB, on demand, encrypted, point-in-time recovery, TTL), the event queue (SQS-managed
 * encryption, TLS only, redrive to a dead-letter queue after 5 receives) and the runner binaries bucket (public
 * access blocked, S3-managed encryption, TLS only, incomplete uploads aborted after a day).
 *
 * @example
 * ```ts
 * const storage = new GhrStorage(this, 'Storage', { removalPolicy: RemovalPolicy.RETAIN, consumerTimeout: Duration.minutes(2) });
 * ```
 */
export class GhrStorage extends Construct {
  readonly table: Table;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: GhrStorageProps) {
    super(scope, id);
    const s = LEDGER_TABLE_SCHEMA;
    this.table = new Table(this, 'Ledger', {
      partitionKey: { name: s.partitionKey, type: AttributeType.STRING },
      sortKey: { name: s.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: s.timeToLiveAttribute,
      removalPolicy: props.removalPolicy,
    });
    for (const index of s.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    suppressNag(this.deadLetterQueue, [{ id: 'AwsSolutions-SQS3', reason: 'This is the dead-letter queue of the event queue.' }]);
    this.queue = new Queue(this, 'EventQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 3),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: GITHUB_RUNNERS_DEFAULTS.queueMaxReceiveCount },
    });

    this.bucket = new Bucket(this, 'Binaries', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.removalPolicy,
      lifecycleRules: [{ id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });
    suppressNag(this.bucket, [
      {
        id: 'AwsSolutions-S1',
        reason: 'The bucket holds copies of the public actions/runner release only; reads are by instance roles and visible in CloudTrail.',
      },
    ]);
  }
}
