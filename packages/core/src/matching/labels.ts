// Label comparison as GitHub does it: case-insensitive, order-free, duplicates ignored.

/** A label as compared: lower case (GitHub compares labels case-insensitively). */
export function normalizeLabel(label: string): string {
  return label.toLowerCase();
}

/** The distinct normalized labels of a list. */
export function labelSet(labels: readonly string[]): ReadonlySet<string> {
  const set = new Set<string>();
  for (const label of labels) set.add(normalizeLabel(label));
  return set;
}

/**
 * GitHub's routing rule: a runner can take a job when every one of the job's `runs-on` labels is one of the
 * runner's labels, compared case-insensitively. A job without labels can be taken by no runner.
 *
 * @example
 * ```ts
 * runnerAcceptsJob(['self-hosted', 'Linux', 'x64', 'large'], ['self-hosted', 'linux']); // true
 * runnerAcceptsJob(['self-hosted', 'linux'], ['self-hosted', 'linux', 'gpu']); // false
 * ```
 */
export function runnerAcceptsJob(runnerLabels: readonly string[], jobLabels: readonly string[]): boolean {
  if (jobLabels.length === 0) return false;
  const runner = labelSet(runnerLabels);
  return jobLabels.every((label) => runner.has(normalizeLabel(label)));
}
