// API Gateway's HTTP API in front of the webhook function: every request on loopback becomes a payload format 2.0
// event (raw body, lower-cased headers, base64 for non-text bodies), the function's result becomes the response.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { invoke } from './lambda-runtime.js';
import type { FunctionSpec, Invocations } from './lambda-runtime.js';

/** A running front door. */
export interface HttpFront {
  readonly url: string;
  readonly statuses: Map<number, number>;
  close(): Promise<void>;
}

/** Starts the front on a free loopback port; `/webhook` is the route the simulated GitHub posts to. */
export async function startHttpFront(
  webhook: FunctionSpec<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>,
  invocations: Invocations,
): Promise<HttpFront> {
  const statuses = new Map<number, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
      const url = new URL(req.url ?? '/', 'http://front');
      const text = (headers['content-type'] ?? '').includes('json') || (headers['content-type'] ?? '').startsWith('text/');
      const now = new Date();
      const event: APIGatewayProxyEventV2 = {
        version: '2.0',
        routeKey: `${req.method} ${url.pathname}`,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        requestContext: {
          accountId: '123456789012',
          apiId: 'e2e',
          domainName: url.host,
          domainPrefix: 'e2e',
          http: { method: req.method ?? 'POST', path: url.pathname, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
          requestId: `${now.getTime()}`,
          routeKey: `${req.method} ${url.pathname}`,
          stage: '$default',
          time: now.toISOString(),
          timeEpoch: now.getTime(),
        },
        isBase64Encoded: !text,
        ...(raw.length > 0 ? { body: text ? raw.toString('utf8') : raw.toString('base64') } : {}),
      };
      invoke(webhook, event, invocations).then(
        (result) => {
          const status = result.statusCode ?? 200;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          res.writeHead(status, result.headers as Record<string, string>).end(result.body ?? '');
        },
        () => {
          // API Gateway answers 500 "Internal Server Error" when the integration fails.
          statuses.set(500, (statuses.get(500) ?? 0) + 1);
          res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"Internal Server Error"}');
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    statuses,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
