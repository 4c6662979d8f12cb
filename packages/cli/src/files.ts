// Reading the files the CLI is given, with errors that say what was expected.
import { readFile } from 'node:fs/promises';

/** Reads a text file; a missing file is a clear error naming what was expected. */
export async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') throw new Error(`${path} does not exist: give the path of ${what}.`, { cause: error });
    throw new Error(`cannot read ${path} (${code ?? (error as Error).message}).`, { cause: error });
  }
}

