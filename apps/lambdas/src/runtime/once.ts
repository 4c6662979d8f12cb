// Ports are wired once per cold start; a wiring that failed (SSM throttled, a missing parameter) is tried again
// by the next invocation instead of poisoning the whole execution environment.

/**
 * Memoises an async factory; forgets a rejected attempt.
 *
 * @example
 * ```ts
 * const deps = once(() => wireDependencies(config));
 * const { engine } = await deps();
 * ```
 */
export function once<T>(factory: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= factory().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
