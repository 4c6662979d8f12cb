// The stale jobs a plan re-checks: the `budget` stalest offered, oldest news first.
import type { Job } from '../domain.js';
import type { Recheck } from './types.js';

type StaleReason = Exclude<Recheck['reason'], 'runner-vanished'>;

interface Candidate {
  readonly job: Job;
  readonly news: number;
  readonly reason: StaleReason;
}

/** `a` is staler (older news, then lower id) than `b`. */
const staler = (a: Candidate, b: Candidate): boolean => a.news < b.news || (a.news === b.news && a.job.id < b.job.id);

/** Keeps the `budget` stalest jobs offered, in a bounded max-heap (freshest kept on top): O(n log budget). */
export class StaleJobs {
  private readonly heap: Candidate[] = [];
  constructor(private readonly budget: number) {}

  offer(job: Job, news: number, reason: StaleReason): void {
    const heap = this.heap;
    if (heap.length < this.budget) {
      heap.push({ job, news, reason });
      this.up(heap.length - 1);
      return;
    }
    const top = heap[0];
    if (top && (news < top.news || (news === top.news && job.id < top.job.id))) {
      heap[0] = { job, news, reason };
      this.down(0);
    }
  }

  /** The kept jobs, stalest first, with their pools. */
  take(): { readonly recheck: Recheck; readonly poolId: string | null }[] {
    return [...this.heap]
      .sort((a, b) => (staler(a, b) ? -1 : 1))
      .map(({ job, reason }) => ({ recheck: { jobId: job.id, repository: job.repository, reason }, poolId: job.poolId }));
  }

  private up(index: number): void {
    const heap = this.heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!staler(heap[parent] as Candidate, heap[index] as Candidate)) return;
      [heap[parent], heap[index]] = [heap[index] as Candidate, heap[parent] as Candidate];
      index = parent;
    }
  }

  private down(index: number): void {
    const heap = this.heap;
    for (;;) {
      let freshest = index;
      for (const child of [2 * index + 1, 2 * index + 2]) {
        if (child < heap.length && staler(heap[freshest] as Candidate, heap[child] as Candidate)) freshest = child;
      }
      if (freshest === index) return;
      [heap[freshest], heap[index]] = [heap[index] as Candidate, heap[freshest] as Candidate];
      index = freshest;
    }
  }
}
