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
 * The limits of a writer transaction, all set to $1 (ms, as text) for the rest of the transaction: statement_timeout
 * and idle_in_transaction_session_timeout, so a write on a DataSource without timeouts still cannot hold its locks
 * forever when its client stops answering, and lock_timeout, so a write cannot wait forever for a trace lock held by
 * such a write. JIT off, which only slows these statements.
 */
const LIMITS = `set_config('jit', 'off', true) || set_config('lock_timeout', $1, true)
    || set_config('statement_timeout', $1, true) || set_config('idle_in_transaction_session_timeout', $1, true)`;

/**
 * Sets the transaction's limits ($1, see LIMITS) and then takes the locks ($2 namespace, $3 ascending buckets), in one
 * round trip. The order is forced: the buckets are unnested from a value that depends on the limits, so lock_timeout
 * is in force before the first lock is waited for. (Measured: with the settings in the select list next to
 * count(pg_advisory_xact_lock(…)), they were applied after the aggregate, and a wait for a held lock never ended.)
 * A statement_timeout set here bounds the statements after this one.
 */
export const LOCK_TRACES_SQL = `
  SELECT count(pg_advisory_xact_lock($2::int, bucket)) AS locked
  FROM (SELECT ${LIMITS} AS limits) l
  CROSS JOIN LATERAL unnest(CASE WHEN l.limits IS NOT NULL THEN $3::int[] END) AS bucket`;

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
