// SDK clients pointed at a moto server, for tests and benchmarks.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';

/** Options of {@link testClientConfig}. */
export interface TestClientOptions {
  /** Attempts per call, including the first (SDK retries). Default 2: tests see faults quickly. */
  readonly maxAttempts?: number;
  /** Default `us-east-1`. */
  readonly region?: string;
}

/** The client configuration shared by every test client: moto endpoint, fake credentials, few attempts. */
export interface TestClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly maxAttempts: number;
}

/**
 * Client configuration for a moto (or fault proxy) endpoint: region `us-east-1`, fake credentials, 2 attempts.
 *
 * @example
 * ```ts
 * const ec2 = new EC2Client(testClientConfig(inject('motoEndpoint')));
 * ```
 */
export function testClientConfig(endpoint: string, options: TestClientOptions = {}): TestClientConfig {
  return {
    endpoint,
    region: options.region ?? 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: options.maxAttempts ?? 2,
  };
}

/** One client per service, all pointed at the same endpoint. */
export interface TestClients {
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /** Closes every client's sockets. */
  destroy(): void;
}

/**
 * EC2, SSM, S3 (path-style), SQS and DynamoDB clients for a moto (or fault proxy) endpoint.
 *
 * @example
 * ```ts
 * const aws = testClients(inject('motoEndpoint'));
 * await aws.ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
 * aws.destroy();
 * ```
 */
export function testClients(endpoint: string, options: TestClientOptions = {}): TestClients {
  const config = testClientConfig(endpoint, options);
  const clients = {
    ec2: new EC2Client(config),
    ssm: new SSMClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    sqs: new SQSClient(config),
    dynamodb: new DynamoDBClient(config),
  };
  return {
    ...clients,
    destroy: () => {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}
