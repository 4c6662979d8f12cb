// GitHub App secrets from SSM SecureString parameters in moto, with the in-memory TTL cache.
import { DeleteParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { SsmGitHubAppSecrets, SsmParameterCache } from '../src/secrets/ssm-secrets.js';
import { countCalls, resetMoto, startFaultProxy, testClients } from './setup/index.js';
import type { TestClients } from './setup/index.js';

const endpoint = inject('motoEndpoint');
const signal = () => AbortSignal.timeout(30_000);
const KEY = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow-test-only\n-----END RSA PRIVATE KEY-----\n';

let aws: TestClients;
const calls = countCalls();
beforeAll(() => {
  aws = testClients(endpoint, { maxAttempts: 3 });
  calls.attach(aws.ssm);
});
afterAll(() => aws.destroy());

describe('SsmGitHubAppSecrets on moto', () => {
  let now = 0;
  const clock = { now: () => now };
  const parameters = { appId: '/ghr/test/app-id', privateKey: '/ghr/test/app-key', webhookSecret: '/ghr/test/webhook', previousWebhookSecret: '/ghr/test/webhook-previous' };

  beforeEach(async () => {
    await resetMoto(endpoint);
    now = 0;
    const put = (Name: string, Value: string) => aws.ssm.send(new PutParameterCommand({ Name, Value, Type: 'SecureString', Overwrite: true }));
    await put(parameters.appId, '424242');
    await put(parameters.privateKey, KEY);
    await put(parameters.webhookSecret, 'whsec-current');
    calls.reset();
  });

  it('refuses a webhook secret that was stored as a plain String', async () => {
    // Arrange: the same value, but unencrypted (Type String: a type change needs a delete first)
    await aws.ssm.send(new DeleteParameterCommand({ Name: parameters.webhookSecret }));
    await aws.ssm.send(new PutParameterCommand({ Name: parameters.webhookSecret, Value: 'whsec-current', Type: 'String' }));
    const secrets = new SsmGitHubAppSecrets({ client: aws.ssm, clock, parameters });
    // Act
    const err = await secrets.get(signal()).then(() => undefined, (e: unknown) => e as Error);
    // Assert
    expect(err).toMatchObject({ name: 'AwsError', code: 'invalid-config' });
    expect(err?.message).toContain(`${parameters.webhookSecret} hold a secret but are not SecureString`);
    expect(err?.message).not.toContain('whsec-current');
  });

  it('reads decrypted SecureStrings in one GetParameters call and serves them from memory for the TTL', async () => {
    const secrets = new SsmGitHubAppSecrets({ client: aws.ssm, clock, parameters, ttl: 60_000 });

    const first = await secrets.get(signal());
    await Promise.all([secrets.get(signal()), secrets.get(signal())]);
    now = 59_000;
    await secrets.get(signal());

    expect(first).toEqual({ appId: 424242, privateKey: KEY, webhookSecrets: ['whsec-current'] });
    expect(calls.count('GetParameters')).toBe(1);
    expect(calls.count('GetParameter')).toBe(0);

    now = 60_000;
    await secrets.get(signal());
    expect(calls.count('GetParameters')).toBe(2);
  });

  it('picks up a rotated webhook secret after the TTL, accepting current and previous', async () => {
    const secrets = new SsmGitHubAppSecrets({ client: aws.ssm, clock, parameters, ttl: 1_000 });
    await secrets.get(signal());
    await aws.ssm.send(new PutParameterCommand({ Name: parameters.previousWebhookSecret, Value: 'whsec-current', Type: 'SecureString' }));
    await aws.ssm.send(new PutParameterCommand({ Name: parameters.webhookSecret, Value: 'whsec-next', Type: 'SecureString', Overwrite: true }));

    expect((await secrets.get(signal())).webhookSecrets).toEqual(['whsec-current']); // cached
    now = 1_000;
    expect((await secrets.get(signal())).webhookSecrets).toEqual(['whsec-next', 'whsec-current']);
  });

  it('names a missing parameter and never a value', async () => {
    const secrets = new SsmGitHubAppSecrets({ client: aws.ssm, parameters: { ...parameters, privateKey: '/ghr/test/missing-key' } });
    const err = await secrets.get(signal()).then(
      () => new Error('no error'),
      (e: unknown) => e as Error,
    );
    expect(err).toMatchObject({ name: 'AwsError', code: 'not-found' });
    expect(err.message).toContain('/ghr/test/missing-key');
    expect(err.message).not.toContain('whsec-current');
  });

  it('reports throttling as a retryable error, caches nothing from the failed call, and recovers', async () => {
    const proxy = await startFaultProxy(endpoint);
    const faulty = testClients(proxy.endpoint, { maxAttempts: 1 });
    try {
      proxy.add({ action: 'GetParameters', times: 1, fault: { error: 'ThrottlingException', message: 'Rate exceeded' } });
      const secrets = new SsmGitHubAppSecrets({ client: faulty.ssm, clock, parameters });
      await expect(secrets.get(signal())).rejects.toMatchObject({ name: 'AwsError', code: 'throttled', retryable: true });
      expect((await secrets.get(signal())).appId).toBe(424242);
    } finally {
      faulty.destroy();
      await proxy.close();
    }
  });

  it('batches 25 names into GetParameters calls of at most 10 names', async () => {
    for (let i = 0; i < 25; i += 1) await aws.ssm.send(new PutParameterCommand({ Name: `/ghr/test/p${i}`, Value: `v${i}`, Type: 'SecureString' }));
    calls.reset();
    const cache = new SsmParameterCache({ client: aws.ssm });
    const values = await cache.getMany(Array.from({ length: 25 }, (_, i) => `/ghr/test/p${i}`), signal());
    expect(values.get('/ghr/test/p24')).toBe('v24');
    expect(calls.count('GetParameters')).toBe(3);
  });
});
