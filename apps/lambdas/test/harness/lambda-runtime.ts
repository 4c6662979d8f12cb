// Lambda's side of an invocation, played faithfully enough for the handlers: a Context whose remaining time
// counts down from the function's timeout, a fresh request id per invocation, and a timeout that fails the
// invocation (the caller then treats it as Lambda does: an error, nothing acknowledged).
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** A function's handler, as one execution environment holds it. */
export type Handler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * One function as Lambda runs it: each execution environment serves one invocation at a time; a concurrent
 * invocation gets an idle environment, or a new one (a cold start: `create` wires a fresh handler, as a fresh
 * process importing the bundle would).
 */
export class FunctionSpec<E, R> {
  readonly name: string;
  readonly timeoutMs: number;
  readonly #create: () => Handler<E, R>;
  readonly #idle: Handler<E, R>[] = [];
  coldStarts = 0;

  constructor(name: string, timeoutMs: number, create: () => Handler<E, R>) {
    this.name = name;
    this.timeoutMs = timeoutMs;
    this.#create = create;
  }

  /** Takes an idle environment (or starts one); give it back with `release`. */
  acquire(): Handler<E, R> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    this.coldStarts += 1;
    return this.#create();
  }

  release(handler: Handler<E, R>): void {
    this.#idle.push(handler);
  }
}

/** Counts of invocations per function and outcome. */
export class Invocations {
  readonly counts = new Map<string, { ok: number; failed: number }>();
  /** Handlers still running (a timed-out one goes on in the background). */
  readonly inflight = new Set<Promise<unknown>>();

  /** Waits for the handlers still running, at most `ms`. */
  async drain(ms: number): Promise<void> {
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise((r) => setTimeout(r, ms))]);
  }

  record(name: string, ok: boolean): void {
    const c = this.counts.get(name) ?? { ok: 0, failed: 0 };
    if (ok) c.ok += 1;
    else c.failed += 1;
    this.counts.set(name, c);
  }
}

/** Builds the Context Lambda hands a function. */
export function lambdaContext(name: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: `2026/01/01/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * Invokes a function with Lambda's contract: rejects when the handler throws or runs past its timeout.
 * (Unlike Lambda, a timed-out handler is not frozen: it finishes in the background, which a real function
 * killed at its timeout would not; the engine must survive both.)
 */
export async function invoke<E, R>(spec: FunctionSpec<E, R>, event: E, invocations?: Invocations): Promise<R> {
  const context = lambdaContext(spec.name, spec.timeoutMs);
  const handler = spec.acquire();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`Task timed out after ${(spec.timeoutMs / 1000).toFixed(2)} seconds`));
    }, spec.timeoutMs);
  });
  const running = handler(event, context);
  const tracked: Promise<unknown> = running.then(
    () => invocations?.inflight.delete(tracked),
    () => invocations?.inflight.delete(tracked),
  );
  invocations?.inflight.add(tracked);
  try {
    const result = await Promise.race([running, timeout]);
    invocations?.record(spec.name, true);
    return result;
  } catch (error) {
    invocations?.record(spec.name, false);
    throw error;
  } finally {
    clearTimeout(timer);
    // Lambda replaces an environment whose invocation timed out; one that finished serves the next invocation.
    if (!timedOut) spec.release(handler);
    else void running.catch(() => undefined);
  }
}
