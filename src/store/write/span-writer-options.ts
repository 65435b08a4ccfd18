import { positiveInteger } from '../../internal/check-option';

export interface SpanWriterOptions {
  /**
   * Distinct spans per upsert statement. Bigger is faster up to a point (measured: 5,000 beats 2,000 by ~10 %, 10,000
   * gains nothing more); it also bounds the work redone when a bad row forces a chunk to be bisected. Default 5,000.
   */
  chunkSize?: number;
  /** Also keep the totals of still-running agents current on every write (see subtree-totals-sql). Default false. */
  liveTotals?: boolean;
  /**
   * Connections one write() uses at once. The batch is split by trace into this many parts, each written in its own
   * transaction: PostgreSQL then works on several cores. Default 2, never more than the DataSource's pool size.
   */
  concurrency?: number;
  /**
   * How spans new to the database are loaded. `copy`: streamed with COPY FROM STDIN (see span-copy; about 2.7× less
   * database CPU); a part the database refuses any of is written again with the upsert. `upsert`: the JSON-fed upsert
   * for everything. `auto` (default): `copy`, unless the server is PGlite, whose socket server cannot receive COPY data.
   */
  loadMethod?: LoadMethod;
  /**
   * statement_timeout and idle_in_transaction_session_timeout of the writer's own transactions (SET LOCAL): on a
   * DataSource without timeouts, a write whose client stops answering is ended by the server and its trace locks
   * freed for the retry. 0 turns both off for these transactions. Default 60,000.
   */
  statementTimeoutMs?: number;
  /**
   * Log what each write changes about runs (started, a step finished, ended) in agentspan_run_changes, in the write's
   * transaction, for `watch()`. False: nothing is logged, and watchers see no change this writer makes. Default true.
   */
  runChanges?: boolean;
  /**
   * On a PostgreSQL server, NOTIFY watchers when a write that changed a run commits (one notification per write
   * transaction, with a payload of a few bytes); without it they find changes by polling. Never on embedded PGlite,
   * where nobody can listen. Default true.
   */
  notify?: boolean;
  /** How long logged run changes are kept (a watch cursor older than this may miss changes). Default one hour. */
  runChangesRetentionMs?: number;
}

export type LoadMethod = 'auto' | 'copy' | 'upsert';

/** A SpanWriter's options with their defaults. */
export interface CheckedSpanWriterOptions {
  chunkSize: number;
  liveTotals: boolean;
  /** Before the DataSource's pool size caps it. */
  concurrency: number;
  loadMethod: LoadMethod;
  statementTimeoutMs: number;
  runChanges: boolean;
  notify: boolean;
  runChangesRetentionMs: number;
}

const DEFAULT_CHUNK_SIZE = 5_000;
const DEFAULT_STATEMENT_TIMEOUT_MS = 60_000;
const DEFAULT_RUN_CHANGES_RETENTION_MS = 3_600_000;
export const DEFAULT_CONCURRENCY = 2;

/**
 * Checks the options a SpanWriter takes, throwing a TypeError naming the bad one; the processor and the setup call it
 * at start, before any write. Returns them with their defaults.
 */
export function checkSpanWriterOptions(options: SpanWriterOptions = {}): CheckedSpanWriterOptions {
  if (options === null || typeof options !== 'object')
    throw new TypeError('agentspan: writer options must be an object');
  const loadMethod = options.loadMethod ?? 'auto';
  if (loadMethod !== 'auto' && loadMethod !== 'copy' && loadMethod !== 'upsert') {
    throw new TypeError(`agentspan: writer option loadMethod must be 'auto', 'copy' or 'upsert'`);
  }
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  if (!Number.isSafeInteger(statementTimeoutMs) || statementTimeoutMs < 0) {
    throw new TypeError('agentspan: writer option statementTimeoutMs must be a whole number of milliseconds >= 0');
  }
  return {
    chunkSize: positiveInteger('writer option chunkSize', options.chunkSize, DEFAULT_CHUNK_SIZE),
    liveTotals: options.liveTotals ?? false,
    concurrency: positiveInteger('writer option concurrency', options.concurrency, DEFAULT_CONCURRENCY),
    loadMethod,
    statementTimeoutMs,
    runChanges: flag('runChanges', options.runChanges),
    notify: flag('notify', options.notify),
    runChangesRetentionMs: positiveInteger(
      'writer option runChangesRetentionMs',
      options.runChangesRetentionMs,
      DEFAULT_RUN_CHANGES_RETENTION_MS,
    ),
  };
}

function flag(name: string, value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw new TypeError(`agentspan: writer option ${name} must be true or false`);
  return value;
}
