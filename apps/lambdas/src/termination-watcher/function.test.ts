import { describe, expect, it } from 'vitest';
import { readLambdaConfig } from '../config.js';
import { createTerminationWatcherFunction, instanceOf } from './function.js';

describe('instanceOf', () => {
  it('takes spot warnings and state changes that take the machine away, and nothing else', () => {
    const spot = { 'detail-type': 'EC2 Spot Instance Interruption Warning', detail: { 'instance-id': 'i-0abc1234def567890', 'instance-action': 'terminate' } };
    const state = (s: string) => ({ 'detail-type': 'EC2 Instance State-change Notification', detail: { 'instance-id': 'i-0abc1234def567890', state: s } });
    expect(instanceOf(spot)).toBe('i-0abc1234def567890');
    expect(['stopping', 'stopped', 'shutting-down', 'terminated'].map((s) => instanceOf(state(s)))).toEqual(Array(4).fill('i-0abc1234def567890'));
    expect(instanceOf(state('running'))).toBeUndefined();
    expect(instanceOf({ 'detail-type': 'Scheduled Event', detail: { 'instance-id': 'i-0abc1234def567890' } })).toBeUndefined();
    expect(instanceOf({ 'detail-type': 'EC2 Spot Instance Interruption Warning', detail: { 'instance-id': 'not-an-id' } })).toBeUndefined();
  });

  it('answers an event it does not act on without wiring anything', async () => {
    let wired = 0;
    const fn = createTerminationWatcherFunction({
      config: readLambdaConfig({ GHR_CONFIG_PARAMETER: '/c', GHR_ENVIRONMENT: 'e', AWS_REGION: 'r', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }),
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, startInvocation: () => undefined },
      writeMetrics: () => undefined,
      wire: async () => {
        wired += 1;
        throw new Error('not expected');
      },
    });
    const result = await fn({ 'detail-type': 'EC2 Instance State-change Notification', detail: { 'instance-id': 'i-0abc1234def567890', state: 'running' } } as never, {} as never);
    expect(result).toEqual({ runners: [], ended: [], rerunJobs: [] });
    expect(wired).toBe(0);
  });
});
