import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SsmGitHubAppSecrets, SsmParameterCache } from './ssm-secrets.js';

const ssm = mockClient(SSMClient);
const signal = () => AbortSignal.timeout(5_000);
const KEY = '-----BEGIN RSA PRIVATE KEY-----\nsecret-key-material\n-----END RSA PRIVATE KEY-----';

const parameters = { appId: '/ghr/app-id', privateKey: '/ghr/app-key', webhookSecret: '/ghr/webhook', previousWebhookSecret: '/ghr/webhook-old' };
const values: Record<string, string> = { '/ghr/app-id': '12345', '/ghr/app-key': KEY, '/ghr/webhook': 'whsec-now' };

function answerFromStore() {
  ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
    Parameters: input.Names.filter((n) => n in values).map((n) => ({ Name: n, Value: values[n], Type: 'SecureString' })),
    InvalidParameters: input.Names.filter((n) => !(n in values)),
  }));
}

describe('SsmGitHubAppSecrets', () => {
  let now = 0;
  const clock = { now: () => now };
  beforeEach(() => {
    ssm.reset();
    now = 0;
  });

  it('reads all parameters in one decrypting GetParameters call and ignores a missing previous webhook secret', async () => {
    answerFromStore();
    const secrets = new SsmGitHubAppSecrets({ client: new SSMClient({ region: 'us-east-1' }), clock, parameters });

    expect(await secrets.get(signal())).toEqual({ appId: 12345, privateKey: KEY, webhookSecrets: ['whsec-now'] });

    const calls = ssm.commandCalls(GetParametersCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ Names: ['/ghr/app-id', '/ghr/app-key', '/ghr/webhook', '/ghr/webhook-old'], WithDecryption: true });
  });

  it('serves from memory until the TTL passes, then reads again; concurrent reads share a call', async () => {
    answerFromStore();
    const secrets = new SsmGitHubAppSecrets({ client: new SSMClient({ region: 'us-east-1' }), clock, parameters, ttl: 60_000 });
    await Promise.all([secrets.get(signal()), secrets.get(signal()), secrets.get(signal())]);
    now = 59_999;
    await secrets.get(signal());
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(1);
    now = 60_000;
    await secrets.get(signal());
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(2);
    secrets.invalidate();
    await secrets.get(signal());
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(3);
  });

  it('refuses a private key or webhook secret stored as a plain String, naming it and not its value', async () => {
    ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
      Parameters: input.Names.filter((n) => n in values).map((n) => ({ Name: n, Value: values[n], Type: n === '/ghr/webhook' ? 'String' : 'SecureString' })),
    }));
    const secrets = new SsmGitHubAppSecrets({ client: new SSMClient({ region: 'us-east-1' }), parameters });
    const err = await secrets.get(signal()).then(() => new Error('no error'), (e: unknown) => e as Error);
    expect(err).toMatchObject({ name: 'AwsError', code: 'invalid-config' });
    expect(err.message).toContain('/ghr/webhook hold a secret but are not SecureString');
    expect(err.message).toContain('--type SecureString');
    expect(err.message).not.toContain('whsec-now');
  });

  it('accepts an App id stored as a plain String', async () => {
    ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
      Parameters: input.Names.filter((n) => n in values).map((n) => ({ Name: n, Value: values[n], Type: n === '/ghr/app-id' ? 'String' : 'SecureString' })),
    }));
    const secrets = new SsmGitHubAppSecrets({ client: new SSMClient({ region: 'us-east-1' }), parameters });
    expect((await secrets.get(signal())).appId).toBe(12345);
  });

  it('names a missing required parameter, and an invalid app id, without any secret value', async () => {
    answerFromStore();
    const missing = new SsmGitHubAppSecrets({ client: new SSMClient({ region: 'us-east-1' }), parameters: { ...parameters, privateKey: '/ghr/nope' } });
    const err = await missing.get(signal()).then(() => new Error('no error'), (e: unknown) => e as Error);
    expect(err).toMatchObject({ name: 'AwsError', code: 'not-found' });
    expect(err.message).toContain('/ghr/nope');

    values['/ghr/bad-id'] = 'not-a-number-but-a-secret';
    const bad = new SsmGitHubAppSecrets({ client: new SSMClient({ region: 'us-east-1' }), parameters: { ...parameters, appId: '/ghr/bad-id' } });
    const err2 = await bad.get(signal()).then(() => new Error('no error'), (e: unknown) => e as Error);
    expect(err2).toMatchObject({ code: 'invalid-config' });
    expect(err2.message).not.toContain('not-a-number-but-a-secret');
  });

  it('translates SSM errors once, without values', async () => {
    ssm.on(GetParametersCommand).rejects(Object.assign(new Error('User is not authorized to perform ssm:GetParameters'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    const secrets = new SsmGitHubAppSecrets({ client: new SSMClient({ region: 'us-east-1' }), parameters });
    const err = await secrets.get(signal()).then(() => new Error('no error'), (e: unknown) => e as Error);
    expect(err).toMatchObject({ name: 'AwsError', code: 'unauthorized', retryable: false });
    expect(err.message).toContain('/ghr/app-key');
    expect(err.message).not.toContain(KEY);
  });
});

describe('SsmParameterCache', () => {
  beforeEach(() => ssm.reset());

  it('batches 23 names into GetParameters calls of 10, 10 and 3', async () => {
    ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({ Parameters: input.Names.filter((n) => !n.endsWith('missing')).map((n) => ({ Name: n, Value: `v${n}` })) }));
    const cache = new SsmParameterCache({ client: new SSMClient({ region: 'us-east-1' }) });
    const names = Array.from({ length: 23 }, (_, i) => `/p/${i}`);
    const got = await cache.getMany(names, signal());
    expect(got.get('/p/22')).toBe('v/p/22');
    expect(ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input.Names!.length)).toEqual([10, 10, 3]);
    await expect(cache.get('/p/missing', signal())).rejects.toMatchObject({ code: 'not-found' });
  });

  it('serves a secret only from a SecureString', async () => {
    ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
      Parameters: input.Names.map((n) => ({ Name: n, Value: 'tok', Type: n === '/ghr/plain' ? 'String' : 'SecureString' })),
    }));
    const cache = new SsmParameterCache({ client: new SSMClient({ region: 'us-east-1' }) });
    expect(await cache.getSecret('/ghr/token', signal())).toBe('tok');
    await expect(cache.getSecret('/ghr/plain', signal())).rejects.toMatchObject({ code: 'invalid-config', message: expect.stringContaining('/ghr/plain') });
  });
});
