import type { ReplayFile } from './spill-store';

/** Outcomes of replayed records, split by whether they were this session's own (spilled by this process). */
export interface ReplayStats {
  /** Own records written by the replay. */
  ownWritten: number;
  /** Own records not written: refused by the database, failed for good, or lost to a damaged file. */
  ownDropped: { rejected: number; write_failed: number; spill_corrupt: number };
  /** Records of earlier sessions (a crashed or stopped process) written by the replay. */
  recovered: number;
  /** Records of earlier sessions not written (refused, failed for good, or unreadable). */
  recoveredDropped: number;
  /** Damaged stretches of spill files skipped, and their bytes. */
  corruptRegions: number;
  corruptBytes: number;
  /** Replay writes that failed transiently and will be retried. */
  retried: number;
  /** Spill files replayed completely and deleted. */
  filesReplayed: number;
  lastError: string | null;
}

export type ReplayDropReason = keyof ReplayStats['ownDropped'];

/**
 * The replay's counters. A record is counted once, as its file's: own records feed this process's invariant
 * (`recorded = written + dropped + …`), records of earlier sessions are `recovered` or `recoveredDropped`.
 */
export class ReplayCounts {
  readonly counts: ReplayStats = {
    ownWritten: 0,
    ownDropped: { rejected: 0, write_failed: 0, spill_corrupt: 0 },
    recovered: 0,
    recoveredDropped: 0,
    corruptRegions: 0,
    corruptBytes: 0,
    retried: 0,
    filesReplayed: 0,
    lastError: null,
  };

  snapshot(): ReplayStats {
    return { ...this.counts, ownDropped: { ...this.counts.ownDropped } };
  }

  written(file: ReplayFile, count: number): void {
    if (file.own) this.counts.ownWritten += count;
    else this.counts.recovered += count;
  }

  dropped(file: ReplayFile, count: number, reason: ReplayDropReason): void {
    if (count <= 0) return;
    if (file.own) this.counts.ownDropped[reason] += count;
    else this.counts.recoveredDropped += count;
  }
}
