// Deterministic randomness: every random choice of the simulated GitHub comes from a seeded generator, so a
// run is reproducible for a given seed.

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A seeded pseudo-random generator (mulberry32). */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, max). */
  int(max: number): number;
  /** `bytes` random bytes as lowercase hex. */
  hex(bytes: number): string;
  /** A version-4-shaped UUID, as GitHub's `X-GitHub-Delivery` GUIDs look. */
  uuid(): string;
}

/**
 * Creates a seeded generator; the same seed gives the same sequence.
 *
 * @example
 * ```ts
 * const rng = createRng(42);
 * if (rng.next() < 0.1) dropWebhook();
 * ```
 */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const hex = (bytes: number): string => {
    let out = '';
    for (let i = 0; i < bytes; i += 1) out += HEX[Math.floor(next() * 256)];
    return out;
  };
  return {
    next,
    int: (max) => Math.floor(next() * max),
    hex,
    uuid: () => {
      const h = hex(16);
      const variant = ((parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
  };
}
