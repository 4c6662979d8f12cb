import { describe, expect, it } from 'vitest';
import { FaultInjector } from './faults.js';

const JIT = '/orgs/:org/actions/runners/generate-jitconfig';

describe('FaultInjector', () => {
  it('applies rules in order, by method and template, for their number of times', () => {
    // Arrange
    const faults = new FaultInjector({
      http: [
        { route: `POST ${JIT}`, status: 503, times: 2 },
        { route: '/orgs/:org/actions/runners', delayMs: 100 },
      ],
    });
    // Act
    const answers = [faults.http('POST', JIT), faults.http('post', JIT), faults.http('POST', JIT)];
    const anyMethod = faults.http('DELETE', '/orgs/:org/actions/runners');
    // Assert
    expect(answers.map((a) => a?.status)).toEqual([503, 503, undefined]);
    expect(anyMethod).toMatchObject({ delayMs: 100, status: undefined });
    expect(faults.counters).toMatchObject({ http: 2, slow: 1 });
    expect(faults.describe().http).toEqual([{ route: '/orgs/:org/actions/runners', delayMs: 100, times: undefined }]);
  });

  it('draws faults by rate from a seeded generator, the same for the same seed', () => {
    const draw = (seed: number) => {
      const faults = new FaultInjector({ rates: { seed, serverErrors: 0.2, slowResponses: 0.1, slowMs: 50, webhookLoss: 0.1, webhookDuplication: 0.1 } });
      return {
        http: Array.from({ length: 200 }, () => faults.http('GET', '/x')?.status ?? 0),
        webhooks: Array.from({ length: 200 }, () => faults.webhook('queued').fault ?? 'none'),
      };
    };
    const a = draw(5);
    expect(draw(5)).toEqual(a);
    expect(draw(6)).not.toEqual(a);
    const errors = a.http.filter((s) => s >= 500).length;
    expect(errors).toBeGreaterThan(20);
    expect(errors).toBeLessThan(60);
    expect(new Set(a.webhooks)).toEqual(new Set(['none', 'lose', 'duplicate']));
  });

  it('matches webhook rules by action and clears everything', () => {
    const faults = new FaultInjector({ webhooks: [{ fault: 'delay', action: 'completed', delayMs: 10, times: 1 }] });
    expect(faults.webhook('queued')).toEqual({ delayMs: 0 });
    expect(faults.webhook('completed')).toEqual({ fault: 'delay', delayMs: 10 });
    expect(faults.webhook('completed')).toEqual({ delayMs: 0 });
    faults.add({ http: [{ status: 500 }] });
    faults.clear();
    expect(faults.http('GET', '/x')).toBeUndefined();
  });
});
