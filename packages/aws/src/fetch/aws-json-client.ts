// A minimal client of AWS's JSON protocol (SQS, SSM) over fetch, signed with SigV4 by `aws4fetch`: a webhook
// function whose whole cold-start budget is ~25 ms cannot load the AWS SDK (one SDK client alone costs ~60 ms to
// import), and these calls need nothing the SDK adds but signing.
import { AwsClient } from 'aws4fetch';
import { AwsError, toAwsError } from '../errors.js';

/** Static AWS credentials (Lambda puts the function role's in its environment). */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Options every fetch-based client takes. */
export interface AwsFetchOptions {
  /** `us-east-1`, ... */
  readonly region: string;
  readonly credentials: AwsCredentials;
  /** Service endpoint; default `https://<service>.<region>.amazonaws.com`. */
  readonly endpoint?: string;
  /** Retries of throttled (429) and 5xx answers, with exponential backoff from 50 ms. Default 2. */
  readonly retries?: number;
  /** Default the global `fetch`. */
  readonly fetch?: typeof fetch;
}

interface ServiceProtocol {
  /** Signing name and endpoint prefix: `sqs`, `ssm`. */
  readonly service: string;
  /** `X-Amz-Target` prefix: `AmazonSQS`, `AmazonSSM`. */
  readonly targetPrefix: string;
  /** `application/x-amz-json-1.0` (SQS) or `-1.1` (SSM). */
  readonly contentType: string;
}

/** The shape `toAwsError` reads, built from a JSON-protocol error answer. */
interface ErrorShape {
  readonly name: string;
  readonly message: string;
  readonly $fault: 'client' | 'server';
  readonly $metadata: { readonly httpStatusCode: number; readonly requestId?: string };
}

/** Calls one AWS JSON-protocol service. Internal to `@ghr/aws`: the queue and parameter readers use it. */
export class AwsJsonClient {
  readonly #client: AwsClient;
  readonly #protocol: ServiceProtocol;
  readonly #endpoint: string;
  readonly #fetch: typeof fetch;
  readonly #retries: number;

  constructor(protocol: ServiceProtocol, options: AwsFetchOptions) {
    if (!options.region || !options.credentials?.accessKeyId || !options.credentials.secretAccessKey) {
      throw new AwsError(`The ${protocol.service.toUpperCase()} client needs a region and credentials: pass them in its options.`, {
        code: 'invalid-config',
      });
    }
    this.#protocol = protocol;
    this.#endpoint = (options.endpoint ?? `https://${protocol.service}.${options.region}.amazonaws.com`).replace(/\/+$/, '');
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#retries = options.retries ?? 2;
    this.#client = new AwsClient({
      accessKeyId: options.credentials.accessKeyId,
      secretAccessKey: options.credentials.secretAccessKey,
      ...(options.credentials.sessionToken ? { sessionToken: options.credentials.sessionToken } : {}),
      service: protocol.service,
      region: options.region,
      // Retries are ours (above), so that an injected fetch gets them too.
      retries: 0,
    });
  }

  /** Calls `action` with `input`; answers the parsed JSON output, or throws an `AwsError`. */
  async call<T>(action: string, input: unknown, signal: AbortSignal): Promise<T> {
    const context = `${this.#protocol.targetPrefix.replace(/^Amazon/, '')} ${action}`;
    const body = JSON.stringify(input);
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        const request = await this.#client.sign(`${this.#endpoint}/`, {
          method: 'POST',
          headers: { 'content-type': this.#protocol.contentType, 'x-amz-target': `${this.#protocol.targetPrefix}.${action}` },
          body,
          signal,
        });
        response = await this.#fetch(request);
      } catch (err) {
        if (signal.aborted) throw new AwsError(`${context} was aborted: the caller's deadline passed.`, { code: 'aborted', cause: err });
        if (attempt < this.#retries) {
          await pause(BACKOFF_MS * 2 ** attempt, signal);
          continue;
        }
        throw toAwsError(err, context);
      }
      const text = await response.text();
      if (response.ok) return (text === '' ? {} : JSON.parse(text)) as T;
      if ((response.status === 429 || response.status >= 500) && attempt < this.#retries && !signal.aborted) {
        await pause(BACKOFF_MS * 2 ** attempt, signal);
        continue;
      }
      throw toAwsError(errorShape(response, text), context);
    }
  }
}

const BACKOFF_MS = 50;

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms * (0.5 + Math.random() / 2));
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function errorShape(response: Response, text: string): ErrorShape {
  let body: { __type?: string; code?: string; message?: string; Message?: string } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not JSON (a proxy's answer): the status alone classifies it.
  }
  // SQS's JSON protocol also names the legacy query error code in a header: `AWS.SimpleQueueService.X;Sender`.
  const legacy = response.headers.get('x-amzn-query-error')?.split(';')[0];
  const type = body.__type ?? body.code ?? legacy ?? `HTTP${response.status}`;
  const name = type.split('#').pop()!.split(':')[0]!;
  const requestId = response.headers.get('x-amzn-requestid') ?? undefined;
  return {
    name,
    message: body.message ?? body.Message ?? '',
    $fault: response.status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: response.status, ...(requestId ? { requestId } : {}) },
  };
}
