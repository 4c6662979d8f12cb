import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sealBootstrap } from './bootstrap.js';

// A real-shaped JIT config: base64 of `{".runner": ...}` starts `eyIu`.
const JIT = Buffer.from(JSON.stringify({ '.runner': 'eyJhZ2VudElkIjoiMSJ9', '.credentials': 'c2VjcmV0' })).toString('base64');

describe('sealBootstrap', () => {
  it('keeps the secret readable for the provider', () => {
    expect(sealBootstrap({ kind: 'jit', encodedJitConfig: JIT }).encodedJitConfig).toBe(JIT);
  });

  it('shows no JIT config or token when serialised, inspected or nested in a launch request', () => {
    const jit = sealBootstrap({ kind: 'jit', encodedJitConfig: JIT });
    const token = sealBootstrap({ kind: 'registration', url: 'https://github.com/acme', token: 'AABBCCDDEEFF0011' });
    const request = { name: 'ghr-linux-1', poolId: 'linux', labels: [], ephemeral: true, bootstrap: jit };
    const shown = [JSON.stringify(request), inspect(request, { depth: 5 }), JSON.stringify(token), inspect({ token }, { depth: 5 }), `${JSON.stringify([jit])}`];
    for (const text of shown) {
      expect(text).not.toContain(JIT);
      expect(text).not.toContain('AABBCCDDEEFF0011');
      expect(text).toContain('[redacted]');
    }
  });
});
