// Which runner process groups are alive, told apart from a reused process id, and signalling them.
import { readFileSync, readdirSync } from 'node:fs';

/** A process as `/proc/<pid>/stat` describes it. */
interface ProcessStat {
  readonly pgid: number;
  /** Start time since boot in clock ticks: with the pid, a process's identity (pids are reused). */
  readonly startTime: string;
  readonly zombie: boolean;
}

/** What the process table said at one moment. */
export interface ProcessSnapshot {
  /** Whether the group led by `pgid` (started at `startTime`, when known) still has a live process. */
  alive(pgid: number, startTime: string | undefined): boolean;
}

/** Parses `/proc/<pid>/stat`; the command name (field 2) may hold spaces and parentheses, so split after the last `)`. */
function parseStat(text: string): ProcessStat | undefined {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const pgid = Number(fields[2]);
  const startTime = fields[19];
  if (state === undefined || !Number.isInteger(pgid) || startTime === undefined) return undefined;
  return { pgid, startTime, zombie: state === 'Z' || state === 'X' };
}

// `/proc` lives in memory: synchronous reads take microseconds, where the thread pool's async reads of a few
// hundred files took tens of milliseconds on a loaded machine.
function readStat(pid: number): ProcessStat | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The start time of `pid` (Linux), or undefined where there is no `/proc` or the process is gone. */
export function processStartTime(pid: number): string | undefined {
  return readStat(pid)?.startTime;
}

/**
 * Reads the process table once. On Linux every `/proc/<pid>/stat`: a group is alive while one of its processes
 * is not a zombie, and a group whose leader's pid now belongs to a process with another start time is not
 * ours (the runner ended and its pid was reused). Elsewhere, `kill(-pgid, 0)`: alive while the group exists.
 */
export function snapshotProcesses(): ProcessSnapshot {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return { alive: (pgid) => groupExists(pgid) };
  }
  const stats = new Map<number, ProcessStat>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) stats.set(pid, stat);
  }
  const liveGroups = new Set<number>();
  for (const stat of stats.values()) if (!stat.zombie) liveGroups.add(stat.pgid);
  return {
    alive: (pgid, startTime) => {
      const leader = stats.get(pgid);
      if (leader && startTime !== undefined && leader.startTime !== startTime) return false;
      return liveGroups.has(pgid);
    },
  };
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends `signal` to every process of the group `pgid`; `gone` when the group has no process left. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): 'sent' | 'gone' {
  try {
    process.kill(-pgid, signal);
    return 'sent';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return 'gone';
    throw err;
  }
}
