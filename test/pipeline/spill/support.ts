import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSpillOptions } from '../../../src/pipeline/spill/options';
import { SpillStore } from '../../../src/pipeline/spill/spill-store';
import type { SpillOptions } from '../../../src/pipeline/spill/types';

export interface Item {
  id: number;
  text?: string;
}

/** A fresh temporary directory, removed by `cleanup()`. */
export function tempDirectory(): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'agentspan-spill-'));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export function openStore(directory: string, options: Partial<SpillOptions> = {}): SpillStore<Item> {
  return new SpillStore<Item>(resolveSpillOptions({ directory, fsync: 'never', ...options })!);
}

export const items = (from: number, to: number): Item[] =>
  Array.from({ length: to - from }, (_, i) => ({ id: from + i }));

export const spillFilesIn = (directory: string): string[] =>
  readdirSync(directory).filter((name) => name.endsWith('.spill'));
