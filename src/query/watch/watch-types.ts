import type { RunChangeType } from '../../store/write/run-changes';
import type { HistoryOptions, RunSummary } from '../types';

export type { RunChangeType };

/**
 * A change of a run, as watch() delivers it: the run `started`, a `step` of it finished (its totals so far in
 * `run.totals`), or it ended (`completed`, `failed`, `cancelled`, `abandoned`).
 */
export interface RunChange {
  type: RunChangeType;
  /**
   * The run as history() lists it, read when the change is delivered (so a change read late shows the run as it is
   * then). A running run's totals are its totals so far: the figures of the steps stored below it.
   */
  run: RunSummary;
  /** Where this change is in the change log: pass it as `after` to a later watch() to go on right after it. */
  cursor: string;
}

/**
 * What watch() follows: history's filters (a run is delivered when it matches them as it is at delivery), except
 * `status`, which filters the changes by the status they bring (`started` and `step` bring `running`; an end its own
 * status); and where to start.
 */
export interface WatchOptions extends Omit<HistoryOptions, 'limit' | 'cursor'> {
  /** Go on after this change (a RunChange's cursor). Absent: changes from now on. */
  after?: string | null;
  /**
   * How often the change log is read when nothing wakes the watch: on embedded PGlite, and on a server while the
   * LISTEN connection is down (on a server with it up, a NOTIFY wakes the watch, and the log is also read once a
   * second). Default 250 ms.
   */
  pollIntervalMs?: number;
}

/**
 * An async iterable of run changes, in the order their writes committed (per run: started, steps, end). It ends on
 * `break` (its `return()`), on `close()`, or when its database is closed (`telemetry.shutdown()`); a database that is
 * briefly unreachable is retried, and the watch goes on where it was, losing and repeating nothing. It opens nothing
 * until the first `next()`, and keeps the process alive only while a `next()` is waiting.
 */
export interface RunWatch extends AsyncIterableIterator<RunChange> {
  /** Ends the watch: a waiting next() resolves done, the LISTEN connection and timers are closed. Idempotent. */
  close(): Promise<void>;
}
