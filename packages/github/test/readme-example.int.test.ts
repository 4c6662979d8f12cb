// The README's example must run as written: this test takes its ```ts block, strips the types, gives it the
// deployment it assumes (memory ports, the simulated GitHub) and follows one job from webhook to runner.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { poolFixture } from '@ghr/contracts';
import { MemoryEventQueue, MemoryLedger, MemoryRunnerProvider } from '@ghr/core/testing';
import { startSimulatedGitHub } from '@ghr/sim';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const APP_ID = 12345;
const SECRET = 'readme-webhook-secret';

/** The modules the example imports, by specifier: this package from its sources. */
async function load(spec: string): Promise<Record<string, unknown>> {
  if (spec === '@ghr/github') return (await import('../src/index.js')) as Record<string, unknown>;
  if (spec === '@ghr/github/webhooks') return (await import('../src/webhooks.js')) as Record<string, unknown>;
  return (await import(spec)) as Record<string, unknown>;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('README example', () => {
  it('answers the webhook from the queue path (202, no GitHub call) and mints the JIT config in scale-up', async () => {
    // Arrange: the example's block, its imports turned into parameters.
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const js = ts.transpileModule(block, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
    const imports = [...js.matchAll(/^import \{([^}]+)\} from '([^']+)';$/gm)];
    const names: string[] = [];
    const values: unknown[] = [];
    for (const [, list, spec] of imports) {
      const module = await load(spec ?? '');
      for (const name of (list ?? '').split(',').map((n) => n.trim())) {
        names.push(name);
        values.push(module[name]);
      }
    }
    const body = `${js.replace(/^import .*$/gm, '')}\nreturn { server, scaleUpOnce };`;
    const sim = await startSimulatedGitHub({ appId: APP_ID, privateKey: PEM, webhookSecret: SECRET });
    sim.model.createOrg({ login: 'acme' });
    sim.model.createRepo({ owner: 'acme', name: 'web', private: true });
    sim.model.createInstallation({ account: 'acme' });
    const port = await freePort();
    await sim.control.setWebhook({ url: `http://127.0.0.1:${port}/`, secret: SECRET });
    const deployment = {
      pools: [poolFixture('linux', { labels: ['self-hosted', 'linux'], scope: { kind: 'org', org: 'acme' } })],
      queue: new MemoryEventQueue(),
      ledger: new MemoryLedger(),
      provider: new MemoryRunnerProvider(),
      webhookSecret: SECRET,
      githubUrl: sim.url,
      appId: APP_ID,
      privateKey: PEM,
      port,
    };
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
      ...args: string[]
    ) => (...a: unknown[]) => Promise<{ server: Server; scaleUpOnce: () => Promise<void> }>;
    const example = await new AsyncFunction(...names, ...Object.keys(deployment), body)(...values, ...Object.values(deployment));
    try {
      await new Promise<void>((resolve) => (example.server.listening ? resolve() : example.server.once('listening', () => resolve())));
      const apiCallsBefore = Object.values(sim.counters().requests).reduce((a, b) => a + b, 0);

      // Act
      const job = sim.model.queueJob({ repo: 'acme/web', labels: ['self-hosted', 'linux'] });
      await sim.flushWebhooks();
      const apiCallsAfterWebhook = Object.values(sim.counters().requests).reduce((a, b) => a + b, 0);
      await example.scaleUpOnce();

      // Assert: the webhook was accepted without a GitHub call; scale-up registered a runner and launched it.
      expect(sim.model.allDeliveries().map((d) => [d.guid.length > 0, d.statusCode])).toEqual([[true, 202]]);
      expect(apiCallsAfterWebhook).toBe(apiCallsBefore);
      const registered = sim.model.listRunners({ kind: 'org', org: 'acme' });
      expect(registered).toHaveLength(1);
      expect(deployment.provider.instances().map((i) => i.name)).toEqual([registered[0]?.name]);
      expect(await deployment.ledger.getJob(job.id, AbortSignal.timeout(1_000))).toMatchObject({ status: 'queued', poolId: 'linux' });
    } finally {
      example.server.close();
      await sim.close();
    }
  }, 30_000);
});
