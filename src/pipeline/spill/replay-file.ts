import type { DiagThrottle } from '../diag-throttle';
import { scanFrames, type Frame } from './frame';
import type { ReplayCounts } from './replay-counts';
import type { ReplayFile } from './spill-store';

/** A spill file being replayed: its readable frames and how far the replay got. */
export interface OpenFile<R> {
  readonly file: ReplayFile;
  readonly frames: Frame[];
  next: number;
  /** Records of the frame `next`, once parsed (kept across retries). */
  parsed: R[] | undefined;
  attempt: number;
}

/**
 * The frames of a file's contents. Damaged stretches are skipped and counted; for an own file, the records its frames
 * no longer hold (it said how many it stored) count as lost to damage.
 */
export function openFrames<R>(
  file: ReplayFile,
  contents: Buffer,
  counts: ReplayCounts,
  report: DiagThrottle,
): OpenFile<R> {
  const scan = scanFrames(contents);
  if (scan.corruptRegions > 0) {
    counts.counts.corruptRegions += scan.corruptRegions;
    counts.counts.corruptBytes += scan.corruptBytes;
    report.report('warn', 'corrupt', () => `${file.name}: skipped ${scan.corruptBytes} damaged bytes`);
  }
  if (file.own && file.storedRecords !== undefined) {
    const readable = scan.frames.reduce((sum, frame) => sum + frame.count, 0);
    counts.counts.ownDropped.spill_corrupt += Math.max(0, file.storedRecords - readable);
  }
  return { file, frames: scan.frames, next: 0, parsed: undefined, attempt: 0 };
}

/** A frame's records; whatever is not a record (files may come from older versions) counts as damage. */
export function parseFrame<R>(
  file: ReplayFile,
  frame: Frame,
  target: { isRecord(value: unknown): value is R },
  counts: ReplayCounts,
): R[] {
  let values: unknown;
  try {
    values = JSON.parse(frame.payload.toString('utf8'));
  } catch {
    values = undefined;
  }
  if (!Array.isArray(values)) {
    counts.dropped(file, frame.count, 'spill_corrupt');
    return [];
  }
  const records = values.filter((value): value is R => isRecordGuarded(target, value));
  counts.dropped(file, values.length - records.length, 'spill_corrupt');
  return records;
}

function isRecordGuarded<R>(target: { isRecord(value: unknown): value is R }, value: unknown): boolean {
  try {
    return target.isRecord(value);
  } catch {
    return false;
  }
}
