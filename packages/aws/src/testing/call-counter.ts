// Counts AWS API calls per operation with an SDK middleware, for benchmarks and tests.

type CountingMiddleware = (
  next: (args: unknown) => Promise<unknown>,
  context: { readonly commandName?: string; readonly clientName?: string },
) => (args: unknown) => Promise<unknown>;
type AddMiddleware = (middleware: CountingMiddleware, options: { step: 'initialize'; name: string }) => void;

/** The part of an AWS SDK v3 client the counter needs (any `@aws-sdk/client-*` client has it). */
export interface MiddlewareClient {
  readonly middlewareStack: { add: (...args: never[]) => unknown; remove: (name: string) => unknown };
}

/** Calls per operation (`EC2.CreateFleet`), counting each SDK call once whatever its retries. */
export interface CallCounter {
  /** Attaches the counter to a client (once per client). */
  attach(client: MiddlewareClient): void;
  /** `{ 'EC2.CreateFleet': 5, 'SSM.PutParameter': 500, ... }` */
  counts(): Readonly<Record<string, number>>;
  /** How many calls of `operation` (`CreateFleet` or `EC2.CreateFleet`). */
  count(operation: string): number;
  reset(): void;
  /** Removes the counter from every client it was attached to. */
  detach(): void;
}

let counters = 0;

/**
 * Makes a {@link CallCounter}.
 *
 * @example
 * ```ts
 * const calls = countCalls();
 * calls.attach(ec2);
 * await provider.launch(pool, runners, signal);
 * calls.count('CreateFleet'); // 5 for 500 runners
 * ```
 */
export function countCalls(): CallCounter {
  const counts = new Map<string, number>();
  const name = `ghrCallCounter${(counters += 1)}`;
  const attached: MiddlewareClient[] = [];
  return {
    attach(client) {
      attached.push(client);
      const add = client.middlewareStack.add.bind(client.middlewareStack) as unknown as AddMiddleware;
      add(
        (next, context) => (args) => {
          const service = (context.clientName ?? '').replace(/Client$/, '');
          const key = `${service}.${(context.commandName ?? 'Unknown').replace(/Command$/, '')}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
          return next(args);
        },
        { step: 'initialize', name },
      );
    },
    counts: () => Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b))),
    count(operation) {
      let n = 0;
      for (const [key, value] of counts) if (key === operation || key.endsWith(`.${operation}`)) n += value;
      return n;
    },
    reset: () => counts.clear(),
    detach: () => {
      for (const client of attached.splice(0)) client.middlewareStack.remove(name);
    },
  };
}
