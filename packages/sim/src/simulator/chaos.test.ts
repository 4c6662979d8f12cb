import { describe, expect, it } from 'vitest';
import { CHAOS_PRESETS, parseChaos } from './chaos.js';

describe('parseChaos', () => {
  it('overrides a preset with the given knobs', () => {
    const chaos = parseChaos({ preset: 'flaky', webhookLoss: 0.5 });
    expect(chaos).toEqual({ ...CHAOS_PRESETS.flaky, webhookLoss: 0.5 });
  });

  it('starts from no chaos when no preset is named', () => {
    expect(parseChaos({ capacityErrors: 0.1 })).toEqual({ ...CHAOS_PRESETS.none, capacityErrors: 0.1 });
  });

  it('reports every bad knob at once', () => {
    expect(() => parseChaos({ preset: 'evil', webhookLoss: 2, typo: 1 })).toThrow(/preset[\s\S]*webhookLoss[\s\S]*typo/);
  });
});
