import { describeError } from '../internal/describe-error';
import type { DiagThrottle } from './diag-throttle';
import type { DropCounts, DropReason, RejectedRecord } from './types';

// Built once: a drop can happen on every enqueue while the queue is full.
const DROP_REPORT_KEYS: Readonly<Record<DropReason, string>> = {
  queue_full: 'drop:queue_full',
  rejected: 'drop:rejected',
  write_failed: 'drop:write_failed',
  shutdown: 'drop:shutdown',
  invalid: 'drop:invalid',
  spill_full: 'drop:spill_full',
  spill_failed: 'drop:spill_failed',
  spill_corrupt: 'drop:spill_corrupt',
};

/**
 * What became of every record handed to the pipeline. Whoever takes records out of the queue or out of flight counts
 * them here in the same synchronous step, so `enqueued === written + droppedTotal + spilled + queued + inFlight`
 * holds at every moment. Drops are counted by reason, reported through `diag` (throttled) and told to `onDrop`.
 */
export class RecordLedger<T> {
  /** Every call to `enqueue`, including the records dropped on the spot. */
  enqueued = 0;
  /** Records the writer accepted. */
  written = 0;
  /** Records the spill stored. */
  spilled = 0;
  droppedTotal = 0;
  readonly dropped: DropCounts = {
    queue_full: 0,
    rejected: 0,
    write_failed: 0,
    shutdown: 0,
    invalid: 0,
    spill_full: 0,
    spill_failed: 0,
    spill_corrupt: 0,
  };

  constructor(
    private readonly report: DiagThrottle,
    private readonly onDrop: ((items: T[], reason: DropReason) => void) | undefined,
  ) {}

  drop(items: readonly T[], reason: DropReason, detail?: string): void {
    const count = items.length;
    this.dropped[reason] += count;
    this.droppedTotal += count;
    this.report.report('warn', DROP_REPORT_KEYS[reason], () => {
      const cause = detail === undefined ? '' : `: ${detail}`;
      return `dropped ${count} record(s), reason ${reason}${cause} (${this.dropped[reason]} for this reason so far)`;
    });
    const onDrop = this.onDrop;
    if (onDrop === undefined) return;
    try {
      onDrop(items as T[], reason);
    } catch (err) {
      this.report.report('error', 'onDrop', () => `onDrop threw: ${describeError(err)}`);
    }
  }

  /** Records a writer or a spill refused one by one. A malformed entry still stands for one record: whatever it holds. */
  dropRejected(rejected: ReadonlyArray<RejectedRecord<T>>): void {
    const records = rejected.map((entry) => (entry as RejectedRecord<T> | null | undefined)?.record as T);
    this.drop(records, 'rejected', summarizeReasons(rejected));
  }
}

/** The most common reasons with their counts, for one diag line. */
function summarizeReasons<T>(rejected: ReadonlyArray<RejectedRecord<T>>): string {
  const counts = new Map<string, number>();
  for (const entry of rejected) {
    const reason = typeof (entry as RejectedRecord<T> | null)?.reason === 'string' ? entry.reason : 'no reason given';
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const shown = [...counts].slice(0, 3).map(([reason, count]) => `${count} × ${truncate(reason, 200)}`);
  const more = counts.size > 3 ? `, and ${counts.size - 3} other reasons` : '';
  return shown.join('; ') + more;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
