// The provider's memory of its runner processes: one JSON file per process in a state directory, so that a
// restarted provider lists (and can terminate) what an earlier one started.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One runner process as the provider recorded it. Never holds the runner's bootstrap secret. */
export interface ProcessRecord {
  readonly providerId: string;
  readonly name: string;
  readonly poolId: string;
  /** The process id of the runner command, also its process group id (it is started as a group leader). */
  readonly pid: number;
  /** `/proc` start time of `pid` (Linux), so that a reused pid is not taken for the runner. */
  readonly startTime?: string;
  readonly launchedAt: number;
  readonly workDir: string;
  readonly logFile: string;
  /** When `terminate` was first asked for this process. */
  readonly terminateRequestedAt?: number;
  /** When the provider saw the process group end. */
  readonly endedAt?: number;
  /** How the runner command exited, when the provider that started it saw it exit. */
  readonly exit?: { readonly code: number | null; readonly signal: string | null };
}

/** Process records in a directory, written atomically (write, then rename). */
export class ProcessRecords {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async load(): Promise<ProcessRecord[]> {
    await mkdir(this.#dir, { recursive: true });
    const out: ProcessRecord[] = [];
    for (const file of await readdir(this.#dir)) {
      if (file.endsWith('.tmp')) await rm(join(this.#dir, file), { force: true }); // a save cut short by a crash
      if (!file.endsWith('.json')) continue;
      try {
        out.push(JSON.parse(await readFile(join(this.#dir, file), 'utf8')) as ProcessRecord);
      } catch {
        // Saves are atomic (rename), so this is not ours or was damaged outside ghr: skipped.
      }
    }
    return out;
  }

  async save(record: ProcessRecord): Promise<void> {
    const file = join(this.#dir, `${record.providerId}.json`);
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`; // concurrent saves never share a temporary file
    await writeFile(temp, JSON.stringify(record));
    await rename(temp, file);
  }

  async remove(providerId: string): Promise<void> {
    await rm(join(this.#dir, `${providerId}.json`), { force: true });
  }
}
