// The HTTP front of `ghr serve` (node:http): POST /webhook through the run layer's handler, GET /healthz,
// GET /metrics. Bodies are read up to the webhook limit plus one byte, so an oversized delivery is answered 413
// by the same code the webhook Lambda runs, without holding an unbounded body in memory.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WEBHOOK_MAX_BYTES } from '@ghr/core';
import type { Logger, WebhookHandler } from '@ghr/core';

/** What the HTTP front serves. */
export interface ServeHttpHandlers {
  readonly webhook: WebhookHandler;
  /** `ok` false answers 503 (shutting down, or the store is unreachable). */
  readonly health: () => Promise<{ readonly ok: boolean; readonly body: Record<string, unknown> }>;
  readonly metrics: () => Promise<string>;
  readonly logger: Logger;
  /** Per-request deadline of the webhook handler (ms). Default 8 s (GitHub waits 10 s). */
  readonly webhookTimeout?: number;
}

/** A listening HTTP front. */
export interface ServeHttp {
  readonly url: string;
  readonly server: Server;
  /** Stops accepting connections; resolves when in-flight requests were answered (or after `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function reply(res: ServerResponse, status: number, body: string, type = JSON_TYPE): void {
  res.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** Reads at most `limit` bytes of the body; the rest is drained and dropped. */
async function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let kept = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    if (kept >= limit) continue;
    const part = buffer.subarray(0, limit - kept);
    chunks.push(part);
    kept += part.length;
  }
  return Buffer.concat(chunks);
}

/**
 * Starts the HTTP front on `host:port` (port 0: a free one).
 *
 * @example
 * ```ts
 * const http = await startServeHttp({ webhook, health, metrics, logger }, { host: '127.0.0.1', port: 8080 });
 * await http.close();
 * ```
 */
export async function startServeHttp(handlers: ServeHttpHandlers, listen: { readonly host: string; readonly port: number }): Promise<ServeHttp> {
  const timeout = handlers.webhookTimeout ?? 8_000;
  const sockets = new Set<Socket>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    if (path === '/webhook') {
      if (method !== 'POST') {
        res.setHeader('allow', 'POST');
        reply(res, 405, JSON.stringify({ outcome: 'rejected', reason: 'Webhooks are POSTed.' }));
        return;
      }
      const body = await readLimited(req, WEBHOOK_MAX_BYTES + 1);
      const response = await handlers.webhook({ headers: req.headers, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) }, AbortSignal.timeout(timeout));
      reply(res, response.status, response.body);
      return;
    }
    if (path === '/healthz' && (method === 'GET' || method === 'HEAD')) {
      const health = await handlers.health();
      reply(res, health.ok ? 200 : 503, JSON.stringify(health.body));
      return;
    }
    if (path === '/metrics' && method === 'GET') {
      reply(res, 200, await handlers.metrics(), 'text/plain; version=0.0.4; charset=utf-8');
      return;
    }
    reply(res, 404, JSON.stringify({ message: `Not found: ${method} ${path}. ghr serves POST /webhook, GET /healthz and GET /metrics.` }));
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      handlers.logger.error('request failed', { path: req.url, error: (error as Error).message });
      if (!res.headersSent) reply(res, 503, JSON.stringify({ outcome: 'unavailable', reason: 'ghr could not answer; GitHub records a failed delivery, which ghr redelivers.' }));
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`,
    server,
    close: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
