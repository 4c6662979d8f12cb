// A runner's bootstrap (its JIT config or registration token) as an object that keeps the secret out of
// `JSON.stringify`, `util.inspect` and `console.log`: the provider reads the field it needs; anything that prints
// or serialises the request sees `[redacted]`.
import type { RunnerBootstrap } from './ports.js';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * Wraps a bootstrap so that serialising or inspecting it never shows its secret. The fields stay readable
 * (`bootstrap.encodedJitConfig`, `bootstrap.token`) for the provider that delivers them to the machine.
 *
 * @example
 * ```ts
 * const bootstrap = sealBootstrap({ kind: 'jit', encodedJitConfig: jit.encodedJitConfig });
 * JSON.stringify(bootstrap); // {"kind":"jit","encodedJitConfig":"[redacted]"}
 * ```
 */
export function sealBootstrap<T extends RunnerBootstrap>(bootstrap: T): T {
  const shown = bootstrap.kind === 'jit' ? { kind: 'jit', encodedJitConfig: '[redacted]' } : { ...bootstrap, token: '[redacted]' };
  const sealed = { ...bootstrap };
  Object.defineProperty(sealed, 'toJSON', { value: () => shown, enumerable: false });
  Object.defineProperty(sealed, INSPECT, { value: () => shown, enumerable: false });
  return sealed;
}
