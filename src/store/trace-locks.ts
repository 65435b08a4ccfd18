/**
 * Per-trace write locks. Every writer transaction first takes pg_advisory_xact_lock(TRACE_LOCK_NAMESPACE, bucket)
 * for the buckets of all its traces, in ascending order, before touching a row. So the rows of one trace are only
 * ever changed under its bucket lock: concurrent writers cannot deadlock on them, and a subtree-totals recompute runs
 * after every earlier writer of that trace has committed, so it never misses a child. 256 buckets bound the number of
 * locks one transaction holds (PostgreSQL's shared lock table is finite).
 */
export const TRACE_LOCK_NAMESPACE = 0x61677370; // "agsp"
export const TRACE_LOCK_BUCKETS = 256;

/**
 * Takes the locks ($1 namespace, $2 ascending buckets) and sets the transaction's own limits, all to $3 (ms, as
 * text): statement_timeout and idle_in_transaction_session_timeout, so a write on a DataSource without timeouts still
 * cannot hold its locks forever when its client stops answering, and lock_timeout, set before the first lock is
 * waited for (the select list is evaluated in order), so a retry cannot wait forever behind such a write. JIT off,
 * which only slows these statements.
 */
export const LOCK_TRACES_SQL = `
  SELECT set_config('jit', 'off', true), set_config('lock_timeout', $3, true),
         set_config('statement_timeout', $3, true), set_config('idle_in_transaction_session_timeout', $3, true),
         count(pg_advisory_xact_lock($1::int, bucket))
  FROM unnest($2::int[]) AS bucket`;

/** The lock bucket of a trace: a cheap string hash, stable across processes and versions. */
export function traceLockBucket(traceId: string): number {
  let hash = 0;
  for (let i = 0; i < traceId.length; i++) hash = (hash * 31 + traceId.charCodeAt(i)) | 0;
  return (hash >>> 0) % TRACE_LOCK_BUCKETS;
}

/** The distinct buckets of these traces, ascending (one fixed order for every writer rules out deadlocks). */
export function traceLockBuckets(traceIds: Iterable<string>): number[] {
  const buckets = new Set<number>();
  for (const traceId of traceIds) buckets.add(traceLockBucket(traceId));
  return [...buckets].sort((a, b) => a - b);
}
