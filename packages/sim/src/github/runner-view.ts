// What the REST API shows of runners: with the busy-view behaviour on, runner lists are served from snapshots up
// to a minute old, `busy` trails the runner's real state, and some jobs never show their runner busy. Without it,
// the API shows each runner exactly as it is.
import type { ModelState } from './state.js';
import type { SimRunner } from './types.js';

interface BusyChange {
  readonly at: number;
  readonly busy: boolean;
}

/** The API's view of runners. */
export class RunnerView {
  readonly #s: ModelState;
  readonly #history = new Map<number, BusyChange[]>();
  /** Runners whose current job the API does not show (`busy: false` while it runs). */
  readonly #hidden = new Set<number>();
  readonly #lists = new Map<string, { readonly at: number; readonly runners: readonly SimRunner[] }>();

  constructor(state: ModelState) {
    this.#s = state;
  }

  /** Records a change of a runner's real `busy`; `hide` keeps the API showing it idle for this job. */
  busyChanged(runner: SimRunner, hide = false): void {
    const view = this.#s.behaviour.busyView;
    if (!view) return;
    if (runner.busy && hide) this.#hidden.add(runner.id);
    if (!runner.busy) this.#hidden.delete(runner.id);
    const history = this.#history.get(runner.id) ?? [];
    history.push({ at: this.#s.now(), busy: runner.busy });
    // Keep only what the lag can still show: the last change at or before the horizon, and those after it.
    const horizon = this.#s.now() - view.busyLagMs;
    let keepFrom = 0;
    for (let i = 0; i < history.length; i += 1) if ((history[i] as BusyChange).at <= horizon) keepFrom = i;
    this.#history.set(runner.id, history.slice(keepFrom));
  }

  /** Whether the API hides the job its runner runs now. */
  isHidden(runnerId: number): boolean {
    return this.#hidden.has(runnerId);
  }

  forget(runnerId: number): void {
    this.#history.delete(runnerId);
    this.#hidden.delete(runnerId);
  }

  /** A runner as the API shows it now (the runner itself when the busy view is off). */
  shown(runner: SimRunner): SimRunner {
    const view = this.#s.behaviour.busyView;
    if (!view) return runner;
    return Object.freeze({ ...runner, labels: [...runner.labels], busy: this.#shownBusy(runner, view.busyLagMs) });
  }

  /** A runner list as the API serves it: from a snapshot up to `listCacheMs` old, keyed by `key`. */
  list(key: string, fresh: () => readonly SimRunner[]): readonly SimRunner[] {
    const view = this.#s.behaviour.busyView;
    if (!view) return fresh();
    const now = this.#s.now();
    const cached = this.#lists.get(key);
    if (cached && now - cached.at < view.listCacheMs) return cached.runners;
    const runners = fresh().map((r) => this.shown(r));
    this.#lists.set(key, { at: now, runners });
    return runners;
  }

  reset(): void {
    this.#history.clear();
    this.#hidden.clear();
    this.#lists.clear();
  }

  #shownBusy(runner: SimRunner, lagMs: number): boolean {
    if (this.#hidden.has(runner.id)) return false;
    const history = this.#history.get(runner.id);
    if (!history || history.length === 0) return runner.busy;
    const horizon = this.#s.now() - lagMs;
    let shown: boolean | undefined;
    for (const change of history) if (change.at <= horizon) shown = change.busy;
    // Before its first recorded change the runner was idle (runners register idle).
    return shown ?? false;
  }
}
