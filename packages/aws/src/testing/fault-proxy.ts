// A fault-injecting HTTP proxy in front of moto: answers chosen AWS actions with errors moto never produces
// (capacity, throttling) or rewrites their request/response (partial fleets), and forwards everything else.
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** What the proxy knows about an incoming AWS request. */
export interface FaultRequest {
  /** The AWS action: `CreateFleet`, `PutParameter`, `PutItem`, `UploadPart`, ... */
  readonly action: string;
  readonly protocol: 'ec2' | 'query' | 'json' | 'rest-xml';
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The form fields of a query-protocol request (EC2, old SQS); empty otherwise. */
  readonly params: URLSearchParams;
  /** The parsed body of a JSON-protocol request (SSM, DynamoDB, SQS); `undefined` otherwise. */
  readonly json: unknown;
}

/** An AWS error answered instead of forwarding. */
export interface ErrorFault {
  /** The AWS error code, e.g. `InsufficientInstanceCapacity`, `RequestLimitExceeded`, `ThrottlingException`. */
  readonly error: string;
  /** HTTP status; default 503 for `RequestLimitExceeded`/`SlowDown`/`ServiceUnavailable`, else 400. */
  readonly status?: number;
  readonly message?: string;
}

/** A request forwarded to moto with its body and/or the response body rewritten. */
export interface RewriteFault {
  readonly rewriteRequest?: (body: string, request: FaultRequest) => string;
  readonly rewriteResponse?: (body: string, request: FaultRequest) => string;
}

/** A canned answer made by the test (a recorded page served again, a response moto cannot give). */
export interface RespondFault {
  readonly respond: (request: FaultRequest) => { readonly status?: number; readonly headers?: Readonly<Record<string, string>>; readonly body: string };
}

/** What a rule does to the requests it matches. */
export type Fault = ErrorFault | RewriteFault | RespondFault;

/** A fault rule: which requests, how many times, what to do. */
export interface FaultRule {
  /** The action name (exact) or a pattern. */
  readonly action: string | RegExp;
  /** A further condition on the request. */
  readonly when?: (request: FaultRequest) => boolean;
  /** How many matching requests get the fault; default every one. */
  readonly times?: number;
  readonly fault: Fault;
}

/** One request the proxy saw. */
export interface ProxiedCall {
  readonly action: string;
  readonly faulted: boolean;
}

/** A running fault proxy. */
export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: point SDK clients here instead of at moto. */
  readonly endpoint: string;
  /** Adds a rule (checked in the order added; the first match with `times` left wins). */
  add(rule: FaultRule): void;
  /** Removes every rule and forgets the calls seen. */
  clear(): void;
  /** Every request seen since the last `clear`. */
  readonly calls: readonly ProxiedCall[];
  close(): Promise<void>;
}

const SERVER_ERRORS = new Set(['RequestLimitExceeded', 'SlowDown', 'ServiceUnavailable', 'InternalError']);

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function s3Action(method: string, path: string, query: URLSearchParams): string {
  const hasKey = path.split('/').filter(Boolean).length > 1;
  if (method === 'HEAD') return hasKey ? 'HeadObject' : 'HeadBucket';
  if (method === 'GET') return hasKey ? 'GetObject' : 'ListObjects';
  if (method === 'DELETE') return hasKey ? 'DeleteObject' : 'DeleteBucket';
  if (method === 'POST' && query.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'POST' && query.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'PUT' && query.has('partNumber')) return 'UploadPart';
  if (method === 'PUT') return hasKey ? 'PutObject' : 'CreateBucket';
  return `${method}Object`;
}

function describe(req: IncomingMessage, body: string): FaultRequest {
  const url = new URL(req.url ?? '/', 'http://proxy');
  const target = req.headers['x-amz-target'];
  const base = { method: req.method ?? 'GET', path: url.pathname, headers: req.headers };
  if (typeof target === 'string') {
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    return { ...base, action: target.split('.').pop() ?? target, protocol: 'json', params: new URLSearchParams(), json };
  }
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('x-www-form-urlencoded')) {
    const params = new URLSearchParams(body);
    const action = params.get('Action');
    if (action) {
      const protocol = params.get('Version') === '2016-11-15' ? 'ec2' : 'query';
      return { ...base, action, protocol, params, json: undefined };
    }
  }
  return { ...base, action: s3Action(base.method, url.pathname, url.searchParams), protocol: 'rest-xml', params: new URLSearchParams(), json: undefined };
}

function answerError(res: ServerResponse, request: FaultRequest, fault: ErrorFault): void {
  const status = fault.status ?? (SERVER_ERRORS.has(fault.error) ? 503 : 400);
  const message = fault.message ?? `Injected ${fault.error} by the ghr fault proxy.`;
  const requestId = randomUUID();
  let body: string;
  let type: string;
  if (request.protocol === 'json') {
    body = JSON.stringify({ __type: fault.error, message });
    type = String(request.headers['content-type'] ?? 'application/x-amz-json-1.1');
    res.setHeader('x-amzn-errortype', fault.error);
    res.setHeader('x-amzn-query-error', `${fault.error};${status >= 500 ? 'Receiver' : 'Sender'}`);
    res.setHeader('x-amzn-requestid', requestId);
  } else if (request.protocol === 'ec2') {
    body = `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${xmlEscape(fault.error)}</Code><Message>${xmlEscape(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
    type = 'text/xml;charset=UTF-8';
  } else if (request.protocol === 'query') {
    body = `<?xml version="1.0"?>\n<ErrorResponse><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${xmlEscape(fault.error)}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    type = 'text/xml';
  } else {
    body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${xmlEscape(fault.error)}</Code><Message>${xmlEscape(message)}</Message><RequestId>${requestId}</RequestId></Error>`;
    type = 'application/xml';
    res.setHeader('x-amz-request-id', requestId);
  }
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(request.method === 'HEAD' ? undefined : body);
}

function forward(
  target: URL,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  request: FaultRequest,
  fault: RewriteFault | undefined,
): void {
  let out = body;
  if (fault?.rewriteRequest) out = Buffer.from(fault.rewriteRequest(body.toString('utf8'), request), 'utf8');
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = v;
  headers['host'] = target.host;
  if (fault?.rewriteRequest) headers['content-length'] = String(out.length);
  const upstream = httpRequest(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
    (up) => {
      if (!fault?.rewriteResponse) {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const text = fault.rewriteResponse!(Buffer.concat(chunks).toString('utf8'), request);
        const h = { ...up.headers, 'content-length': String(Buffer.byteLength(text)) };
        delete h['transfer-encoding'];
        res.writeHead(up.statusCode ?? 502, h);
        res.end(text);
      });
    },
  );
  upstream.on('error', (err) => {
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`fault proxy: upstream failed: ${err.message}`);
  });
  upstream.end(out);
}

/**
 * Starts a fault-injecting proxy on a free loopback port in front of `target` (a moto endpoint).
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy(inject('motoEndpoint'));
 * proxy.add({ action: 'CreateFleet', times: 1, fault: { error: 'RequestLimitExceeded' } });
 * const ec2 = new EC2Client(testClientConfig(proxy.endpoint));
 * ```
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const rules: { rule: FaultRule; left: number }[] = [];
  const calls: ProxiedCall[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const request = describe(req, req.headers['x-amz-target'] || String(req.headers['content-type'] ?? '').includes('form') ? body.toString('utf8') : '');
      const hit = rules.find(
        ({ rule, left }) =>
          left > 0 &&
          (typeof rule.action === 'string' ? rule.action === request.action : rule.action.test(request.action)) &&
          (rule.when === undefined || rule.when(request)),
      );
      calls.push({ action: request.action, faulted: hit !== undefined });
      if (hit) hit.left -= 1;
      const fault = hit?.rule.fault;
      if (fault && 'error' in fault) answerError(res, request, fault);
      else if (fault && 'respond' in fault) {
        const answer = fault.respond(request);
        res.writeHead(answer.status ?? 200, { 'content-type': 'text/xml;charset=UTF-8', ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) });
        res.end(answer.body);
      } else forward(upstream, req, res, body, request, fault);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    add: (rule) => rules.push({ rule, left: rule.times ?? Number.POSITIVE_INFINITY }),
    clear: () => {
      rules.length = 0;
      calls.length = 0;
    },
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Options of {@link partialFleet}. */
export interface PartialFleetOptions {
  /** How many instances the fleet launches at most (of those requested). */
  readonly fulfilled?: number;
  /** Or: how many of those requested it leaves out. */
  readonly unfulfilled?: number;
  /** The error reported for the rest. Default `InsufficientInstanceCapacity`. */
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/**
 * A CreateFleet fault that launches at most `fulfilled` instances (by lowering the request's target capacity
 * before moto sees it) and reports the shortfall in the response's `errorSet`, as EC2 does for an `instant` fleet
 * that found too little capacity.
 *
 * @example
 * ```ts
 * proxy.add({ action: 'CreateFleet', times: 1, fault: partialFleet({ fulfilled: 2 }) });
 * ```
 */
export function partialFleet(options: PartialFleetOptions): RewriteFault {
  const code = options.errorCode ?? 'InsufficientInstanceCapacity';
  const message = options.errorMessage ?? 'There is no Spot capacity available that matches your request.';
  let shortfall = 0;
  let lifecycle = 'spot';
  return {
    rewriteRequest: (body) => {
      const params = new URLSearchParams(body);
      const key = 'TargetCapacitySpecification.TotalTargetCapacity';
      const requested = Number(params.get(key) ?? '0');
      const granted =
        options.fulfilled !== undefined ? Math.min(requested, options.fulfilled) : Math.max(0, requested - (options.unfulfilled ?? 0));
      shortfall = requested - granted;
      lifecycle = params.get('TargetCapacitySpecification.DefaultTargetCapacityType') ?? 'on-demand';
      params.set(key, String(granted));
      for (const k of ['TargetCapacitySpecification.SpotTargetCapacity', 'TargetCapacitySpecification.OnDemandTargetCapacity']) {
        if (params.has(k)) params.set(k, String(Math.min(Number(params.get(k)), granted)));
      }
      return params.toString();
    },
    rewriteResponse: (body) => {
      if (shortfall <= 0) return body;
      const item = `<item><lifecycle>${lifecycle}</lifecycle><errorCode>${xmlEscape(code)}</errorCode><errorMessage>${xmlEscape(message)}</errorMessage></item>`;
      if (/<errorSet\s*\/>/.test(body)) return body.replace(/<errorSet\s*\/>/, `<errorSet>${item}</errorSet>`);
      if (body.includes('<errorSet>')) return body.replace('<errorSet>', `<errorSet>${item}`);
      return body.replace(/<\/CreateFleetResponse>/, `<errorSet>${item}</errorSet></CreateFleetResponse>`);
    },
  };
}
