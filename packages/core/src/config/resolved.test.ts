import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';
import { decodeResolvedConfig, encodeResolvedConfig } from './resolved.js';

const config = loadConfig({
  github: {
    auth: { kind: 'app', appId: 123, privateKey: { ssm: '/ghr/key' } },
    webhookSecret: { ssm: '/ghr/secret' },
    previousWebhookSecret: { ssm: '/ghr/secret-old' },
  },
  pools: [{ id: 'linux', labels: ['self-hosted', 'linux'], scope: { org: 'acme' }, maxRunners: 4 }],
});

describe('resolved config', () => {
  it('reads back exactly what was encoded', () => {
    expect(decodeResolvedConfig(encodeResolvedConfig(config))).toEqual(config);
  });

  it('keeps the previous webhook secret for rotation', () => {
    expect(decodeResolvedConfig(encodeResolvedConfig(config)).github.previousWebhookSecret).toEqual({ ssm: '/ghr/secret-old' });
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['a raw config', JSON.stringify({ github: {}, pools: [] }), /format/],
    ['a pool with a duration as text', JSON.stringify({ format: 'ghr.resolved-config/1', config: { ...config, pools: [{ ...config.pools[0], idleTimeout: '5m' }] } }), /pools\[0\]\.idleTimeout/],
    ['a duplicate pool', JSON.stringify({ format: 'ghr.resolved-config/1', config: { ...config, pools: [config.pools[0], config.pools[0]] } }), /twice/],
    ['a secret value instead of a reference', JSON.stringify({ format: 'ghr.resolved-config/1', config: { ...config, github: { ...config.github, webhookSecret: 'hunter2' } } }), /webhookSecret/],
  ])('refuses %s with a message that says what is wrong', (_, json, message) => {
    expect(() => decodeResolvedConfig(json)).toThrow(message);
  });
});
