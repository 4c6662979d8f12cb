// Serialises a DynamoDB client's requests, for tests and benchmarks against moto.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Makes `client` send one request at a time. moto runs requests on parallel threads and its TransactWriteItems is
 * not atomic (it deep-copies whole tables as a rollback snapshot and puts the snapshot back on a cancellation,
 * undoing concurrent writes; a copy taken during a concurrent write fails with HTTP 500). DynamoDB itself makes
 * each request atomic and transactions serializable. One request at a time restores that per-request atomicity
 * while keeping every interleaving of requests between concurrent callers, which admission races exercise.
 *
 * @example
 * ```ts
 * const aws = testClients(endpoint);
 * oneRequestAtATime(aws.dynamodb);
 * ```
 */
export function oneRequestAtATime(client: DynamoDBClient): void {
  let tail: Promise<void> = Promise.resolve();
  client.middlewareStack.add(
    (next) => async (args) => {
      const previous = tail;
      let release!: () => void;
      tail = new Promise<void>((resolve) => (release = resolve));
      await previous;
      try {
        return await next(args);
      } finally {
        release();
      }
    },
    { step: 'initialize', name: 'ghrOneRequestAtATime' },
  );
}
