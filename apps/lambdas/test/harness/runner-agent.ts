// Plays every EC2 instance moto reports as a runner machine booting: it reads and deletes its SSM hand-off (as the
// bootstrap script does), registers with the simulated GitHub using the JIT config, runs the job GitHub gives it,
// and when the ephemeral runner is gone after its job, shuts down (the instance terminates).
import { DescribeInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { EC2_RUNNER_TAGS } from '@ghr/aws/ec2';
import { takeRunnerSecret } from '@ghr/aws/ssm';
import type { SimulatedGitHubControl } from '@ghr/sim';

/** Options of {@link startRunnerAgent}. */
export interface RunnerAgentOptions {
  readonly ec2: EC2Client;
  readonly ssm: SSMClient;
  readonly control: SimulatedGitHubControl;
  readonly environment: string;
  readonly handoffPrefix: string;
  /** Poll interval (ms); default 500. */
  readonly intervalMs?: number;
}

interface Machine {
  readonly instanceId: string;
  readonly runnerName: string;
  runnerId?: number;
  /** When the machine started looking for its secret. */
  readonly seenAt: number;
  done: boolean;
}

/** A running agent. */
export interface RunnerAgent {
  /** Every bootstrap secret an instance took (to check that none reached a log line). */
  readonly secrets: string[];
  readonly machines: Map<string, Machine>;
  /** Kills a machine mid-job: the runner drops offline, the instance is terminated. */
  interrupt(instanceId: string): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the agent. */
export function startRunnerAgent(options: RunnerAgentOptions): RunnerAgent {
  const machines = new Map<string, Machine>();
  const secrets: string[] = [];
  let running = true;

  const terminate = async (id: string) => {
    await options.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] })).catch(() => undefined);
  };

  const step = async () => {
    const out = await options.ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: `tag:${EC2_RUNNER_TAGS.environment}`, Values: [options.environment] },
          { Name: 'instance-state-name', Values: ['pending', 'running'] },
        ],
      }),
    );
    const live = new Set<string>();
    for (const r of out.Reservations ?? []) {
      for (const i of r.Instances ?? []) {
        const id = i.InstanceId!;
        live.add(id);
        const name = i.Tags?.find((t) => t.Key === EC2_RUNNER_TAGS.runner)?.Value;
        if (!machines.has(id) && name) machines.set(id, { instanceId: id, runnerName: name, seenAt: Date.now(), done: false });
      }
    }
    const runners = await options.control.listRunners();
    for (const m of machines.values()) {
      if (m.done) continue;
      if (!live.has(m.instanceId)) {
        m.done = true; // terminated by ghr (reaped, drained) or by us
        continue;
      }
      if (m.runnerId === undefined) {
        try {
          const bootstrap = await takeRunnerSecret(m.runnerName, { environment: options.environment, prefix: options.handoffPrefix, ssm: options.ssm });
          if (bootstrap.kind !== 'jit') throw new Error('expected a JIT config');
          secrets.push(bootstrap.encodedJitConfig);
          const runner = await options.control.connectRunner(bootstrap.encodedJitConfig);
          m.runnerId = runner.id;
        } catch {
          // Not written yet (the launch is still finishing), or already taken: try again next round.
        }
        continue;
      }
      const runner = runners.find((r) => r.id === m.runnerId);
      if (runner === undefined || runner.status === 'offline') {
        // The ephemeral runner finished its job (GitHub removed it) or was deregistered: power off.
        m.done = true;
        await terminate(m.instanceId);
      }
    }
  };

  const loop = (async () => {
    while (running) {
      await step().catch(() => undefined);
      await sleep(options.intervalMs ?? 500);
    }
  })();

  return {
    secrets,
    machines,
    interrupt: async (instanceId) => {
      const m = machines.get(instanceId);
      if (m?.runnerId !== undefined) await options.control.disconnectRunner(m.runnerId).catch(() => undefined);
      if (m) m.done = true;
      await terminate(instanceId);
    },
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
