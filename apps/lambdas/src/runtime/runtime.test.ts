import { describe, expect, it } from 'vitest';
import { LambdaConfigError } from '../config.js';
import { invocationDeadline } from './deadline.js';
import { ssmName } from './deployed-config.js';
import { createJsonLogger } from './json-logger.js';
import { NO_SUBJECT, logKeys } from './log-keys.js';
import { once } from './once.js';

describe('ssmName', () => {
  it('takes SSM references and refuses environment and file references with what to do', () => {
    expect(ssmName({ ssm: '/ghr/prod/key' }, 'github.auth.privateKey')).toBe('/ghr/prod/key');
    expect(() => ssmName({ env: 'GITHUB_KEY' }, 'github.auth.privateKey')).toThrow(LambdaConfigError);
    expect(() => ssmName({ file: '/etc/key.pem' }, 'github.webhookSecret')).toThrow(/github.webhookSecret refers to a file.*SecureString/);
  });
});

describe('logKeys', () => {
  it('names the job and the runner on every line, and renames keys the line already has', () => {
    expect(logKeys({ job: 42, runner: 'ghr-linux-1', pool: 'linux' })).toEqual({ jobId: 42, runnerName: 'ghr-linux-1', pool: 'linux' });
    expect(logKeys({ message: 'boom', level: 'x', skipped: undefined })).toEqual({
      jobId: NO_SUBJECT,
      runnerName: NO_SUBJECT,
      messageDetail: 'boom',
      levelDetail: 'x',
    });
  });
});

describe('createJsonLogger', () => {
  it('writes one JSON line per call with the request id, job and runner, above the level only', () => {
    const lines: string[] = [];
    const log = createJsonLogger({ serviceName: 'ghr-webhook', level: 'INFO', environment: 'prod', write: (l) => void lines.push(l) });
    log.startInvocation({ awsRequestId: 'req-1', functionName: 'ghr-webhook', invokedFunctionArn: 'arn', memoryLimitInMB: '256' } as never);
    log.debug('hidden');
    log.info('webhook answered', { job: 7, status: 202 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'INFO',
      message: 'webhook answered',
      service: 'ghr-webhook',
      function_request_id: 'req-1',
      cold_start: true,
      jobId: 7,
      runnerName: NO_SUBJECT,
      status: 202,
    });
  });
});

describe('invocationDeadline', () => {
  it('fires the margin before the function times out, at once when less is left, never once cleared', async () => {
    expect(invocationDeadline({ getRemainingTimeInMillis: () => 1_000 }, 3_000).signal.aborted).toBe(true);
    const soon = invocationDeadline({ getRemainingTimeInMillis: () => 3_020 }, 3_000);
    const cleared = invocationDeadline({ getRemainingTimeInMillis: () => 3_020 }, 3_000);
    cleared.clear();
    const later = invocationDeadline({ getRemainingTimeInMillis: () => 60_000 }, 3_000);
    await new Promise((r) => setTimeout(r, 60));
    expect([soon.signal.aborted, cleared.signal.aborted, later.signal.aborted]).toEqual([true, false, false]);
    later.clear();
  });
});

describe('once', () => {
  it('wires once, and tries again after a failed wiring', async () => {
    let calls = 0;
    const wire = once(async () => {
      calls += 1;
      if (calls === 1) throw new Error('ssm throttled');
      return calls;
    });
    await expect(wire()).rejects.toThrow('ssm throttled');
    expect(await wire()).toBe(2);
    expect(await wire()).toBe(2);
    expect(calls).toBe(2);
  });
});
