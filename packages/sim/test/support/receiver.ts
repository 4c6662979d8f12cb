import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One webhook as a receiver saw it. */
export interface ReceivedWebhook {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A local webhook receiver: records every POST and answers `status` (after `delayMs`). */
export async function startReceiver(): Promise<{
  url: string;
  received: ReceivedWebhook[];
  status: number;
  delayMs: number;
  close(): Promise<void>;
}> {
  const state = { received: [] as ReceivedWebhook[], status: 202, delayMs: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      state.received.push({ headers, body: Buffer.concat(chunks).toString('utf8') });
      setTimeout(() => {
        res.writeHead(state.status, { 'content-type': 'text/plain' });
        res.end('ok');
      }, state.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/webhook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
