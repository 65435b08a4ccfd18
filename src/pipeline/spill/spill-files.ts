import { readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Naming of spill files: `<owner>.<origin>.<sequence>.spill`. The origin is the session that wrote the file (so a
 * replay knows whether the records are its own), the owner the session that may replay it now; the sequence orders
 * one origin's files. Taking a file over is a rename that changes the owner: atomic, so of two sessions that try at
 * once exactly one succeeds.
 */

const SUFFIX = '.spill';
const NAME = /^([A-Za-z0-9-]+)\.([A-Za-z0-9-]+)\.(\d{10})\.spill$/;

export interface SpillFile {
  readonly name: string;
  readonly owner: string;
  readonly origin: string;
  readonly sequence: number;
}

export interface ListedSpillFile extends SpillFile {
  readonly bytes: number;
}

export function spillFileName(owner: string, origin: string, sequence: number): string {
  return `${owner}.${origin}.${String(sequence).padStart(10, '0')}${SUFFIX}`;
}

export function parseSpillFileName(name: string): SpillFile | undefined {
  const match = NAME.exec(name);
  if (match === null) return undefined;
  return { name, owner: match[1]!, origin: match[2]!, sequence: Number(match[3]) };
}

/** Orders files oldest first: by origin (session ids start with their creation time), then sequence. */
export function compareSpillFiles(a: SpillFile, b: SpillFile): number {
  if (a.origin !== b.origin) return a.origin < b.origin ? -1 : 1;
  return a.sequence - b.sequence;
}

/** The spill files in a directory with their sizes, and every other entry's name (lock files among them). */
export async function listDirectory(directory: string): Promise<{ files: ListedSpillFile[]; others: string[] }> {
  const files: ListedSpillFile[] = [];
  const others: string[] = [];
  for (const name of await readdir(directory)) {
    const file = parseSpillFileName(name);
    if (file === undefined) {
      others.push(name);
      continue;
    }
    try {
      files.push({ ...file, bytes: (await stat(join(directory, name))).size });
    } catch {
      // Taken over or deleted by another session in the meantime.
    }
  }
  files.sort(compareSpillFiles);
  return { files, others };
}

/** Makes `owner` the owner of `file`. Resolves undefined when another session took or deleted it first. */
export async function takeOver(directory: string, file: SpillFile, owner: string): Promise<SpillFile | undefined> {
  const name = spillFileName(owner, file.origin, file.sequence);
  try {
    await rename(join(directory, file.name), join(directory, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return { name, owner, origin: file.origin, sequence: file.sequence };
}
