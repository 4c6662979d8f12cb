// EC2 runner launches against moto on loopback: API calls by operation and wall time to launch 500 runners of
// one pool in one burst (with the SSM writes paced at the default 10/s, and unpaced to see the rest), and to list
// 5,000 instances by tags. Targets (issue 4): at most one CreateFleet per pool per 100 runners, one SSM write per
// runner, zero DescribeInstances on the scale-up path. moto answers one request at a time and never throttles:
// compare call counts and ratios, not absolute times. Run: `pnpm bench aws-launch` (build @ghr/aws first).
import { Ec2RunnerProvider, SsmRunnerSecrets } from '@ghr/aws';
import { countCalls, createEc2Fixture, resetMoto, seedRunnerInstances, startFaultProxy, startMoto, testClients } from '@ghr/aws/testing';
import type { LaunchRequest } from '@ghr/core';

const BURST = 500;
const LISTED = 5_000;
const PAGE = 1_000;
const signal = () => AbortSignal.timeout(600_000);

function requests(poolId: string, prefix: string, count: number): LaunchRequest[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `ghr-${poolId}-${prefix}${i}`,
    poolId,
    labels: ['self-hosted', 'linux'],
    ephemeral: true,
    // A JIT config is about 2-3 KB of base64: a Standard parameter.
    bootstrap: { kind: 'jit', encodedJitConfig: 'x'.repeat(2_400) },
  }));
}

interface Row {
  readonly scenario: string;
  readonly runners: number;
  readonly ms: number;
  readonly calls: Readonly<Record<string, number>>;
  readonly failed: number;
}

function table(rows: readonly Row[]): void {
  const ops = ['EC2.CreateFleet', 'EC2.CreateTags', 'SSM.PutParameter', 'EC2.DescribeInstances'];
  console.log(`| scenario | runners | failed | wall s | ${ops.join(' | ')} | calls/runner |`);
  console.log(`|---|---:|---:|---:|${ops.map(() => '---:').join('|')}|---:|`);
  for (const r of rows) {
    const total = Object.values(r.calls).reduce((a, b) => a + b, 0);
    console.log(
      `| ${r.scenario} | ${r.runners} | ${r.failed} | ${(r.ms / 1000).toFixed(1)} | ${ops.map((op) => r.calls[op] ?? 0).join(' | ')} | ${(total / r.runners).toFixed(2)} |`,
    );
  }
}

export async function run(): Promise<void> {
  const moto = await startMoto({
    ...(process.env['MOTO_ENDPOINT'] ? { endpoint: process.env['MOTO_ENDPOINT'] } : {}),
    ...(process.env['PATH'] ? { path: process.env['PATH'] } : {}),
  });
  const aws = testClients(moto.endpoint, { maxAttempts: 3 });
  try {
    const rows: Row[] = [];
    for (const [scenario, writesPerSecond] of [
      ['burst, SSM paced 10/s (default)', 10],
      ['burst, SSM unpaced', 100_000],
    ] as const) {
      await resetMoto(moto.endpoint);
      const fixture = await createEc2Fixture(aws.ec2);
      const calls = countCalls();
      calls.attach(aws.ec2);
      calls.attach(aws.ssm);
      const secrets = new SsmRunnerSecrets({ ssm: aws.ssm, environment: 'bench', writesPerSecond, ...(writesPerSecond > 10 ? { writeBurst: writesPerSecond } : {}) });
      const provider = new Ec2RunnerProvider({ environment: 'bench', ec2: aws.ec2, secrets });
      const started = performance.now();
      const result = await provider.launch(fixture.pool('linux'), requests('linux', 'b', BURST), signal());
      const ms = performance.now() - started;
      calls.detach();
      rows.push({ scenario, runners: BURST, ms, calls: calls.counts(), failed: result.failed.length });
    }
    table(rows);
    const last = rows[rows.length - 1]!;
    const fleetsPer100 = ((last.calls['EC2.CreateFleet'] ?? 0) / BURST) * 100;
    const ssmPerRunner = (last.calls['SSM.PutParameter'] ?? 0) / BURST;
    const describes = rows.reduce((n, r) => n + (r.calls['EC2.DescribeInstances'] ?? 0), 0);
    console.log('');
    console.log(`CreateFleet per 100 runners: ${fleetsPer100.toFixed(2)} (target <= 1) ${fleetsPer100 <= 1 ? 'ok' : 'MISSED'}`);
    console.log(`SSM writes per runner: ${ssmPerRunner.toFixed(2)} (target 1) ${ssmPerRunner === 1 ? 'ok' : 'MISSED'}`);
    console.log(`DescribeInstances on scale-up: ${describes} (target 0) ${describes === 0 ? 'ok' : 'MISSED'}`);

    // List by tags. moto renders DescribeInstances at about 14 ms per instance, growing with the instance count
    // (1,000 take ~15 s, 5,000 took ~8 min), which would measure moto, not us. So: list 1,000 real moto
    // instances, record that page, then serve it 5 times (ids rewritten, NextToken chained) through the fault
    // proxy to list 5,000 - exactly the requests, pages, XML parsing and mapping a real 5,000-instance list costs.
    await resetMoto(moto.endpoint);
    const fixture = await createEc2Fixture(aws.ec2);
    const seedStarted = performance.now();
    await seedRunnerInstances(aws.ec2, { launchTemplateId: fixture.launchTemplateId, environment: 'bench', poolId: 'linux', count: PAGE });
    const seedMs = performance.now() - seedStarted;
    const proxy = await startFaultProxy(moto.endpoint);
    const viaProxy = testClients(proxy.endpoint, { maxAttempts: 3 });
    try {
      const provider = new Ec2RunnerProvider({ environment: 'bench', ec2: viaProxy.ec2, secrets: new SsmRunnerSecrets({ ssm: viaProxy.ssm, environment: 'bench' }) });
      let recorded = '';
      proxy.add({ action: 'DescribeInstances', times: 1, fault: { rewriteResponse: (body) => (recorded = body) } });
      const listRows: string[] = [];
      const measure = async (label: string) => {
        const calls = countCalls();
        calls.attach(viaProxy.ec2);
        const started = performance.now();
        const listed = await provider.list({ poolIds: ['linux'] }, signal());
        const ms = performance.now() - started;
        calls.detach();
        listRows.push(`| ${label} | ${listed.length} | ${calls.count('DescribeInstances')} | ${(ms / 1000).toFixed(2)} |`);
      };
      await measure('moto, rendered live');
      const pages = LISTED / PAGE;
      let served = 0;
      proxy.add({
        action: 'DescribeInstances',
        fault: {
          respond: () => {
            const page = served++;
            const ids = recorded.replace(/<instanceId>i-[0-9a-f]/g, `<instanceId>i-${page.toString(16)}`).replace(/<nextToken>[^<]*<\/nextToken>/, '');
            const next = page + 1 < pages ? `<nextToken>page-${page + 1}</nextToken>` : '';
            return { body: ids.replace('</DescribeInstancesResponse>', `${next}</DescribeInstancesResponse>`) };
          },
        },
      });
      await measure(`recorded page served ${pages} times`);
      console.log('');
      console.log('| list by pool tag | instances | DescribeInstances pages | wall s |');
      console.log('|---|---:|---:|---:|');
      for (const row of listRows) console.log(row);
      console.log(`(seeding ${PAGE} instances with ${PAGE / 100} CreateFleet calls took ${(seedMs / 1000).toFixed(1)} s in moto)`);
    } finally {
      viaProxy.destroy();
      await proxy.close();
    }
  } finally {
    aws.destroy();
    await moto.stop();
  }
}
