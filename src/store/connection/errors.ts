import { maskUrlsIn } from '../../capture/mask-url';

/**
 * Error classification for the store: which failures are worth retrying (the database is unreachable, overloaded or
 * restarting) and which belong to one row (bad data) so the writer can set that row aside and keep the rest.
 */

/** Node socket errors that mean "the server is not reachable right now". */
const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);

/** SQLSTATEs (exact) that a later retry can succeed on. */
const TRANSIENT_SQL_STATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '58000', // system_error
  '58030', // io_error
  '25006', // read_only_sql_transaction (a failover left us on a replica)
  '25P03', // idle_in_transaction_session_timeout (the server ended a session that stalled in a transaction)
  // The database is not ready for us yet; an operator can fix it while we wait, so records wait within the queue's
  // bounds rather than being dropped, and land once it is fixed.
  '3D000', // invalid_catalog_name: the database does not exist (dropped, not created yet)
  '3F000', // invalid_schema_name: our schema does not exist
  '42P01', // undefined_table: migrations not run (yet), or the tables were dropped
]);

/**
 * SQLSTATE classes that are transient as a whole: 08 connection exceptions, 28 invalid authorization (wrong
 * credentials, a role not allowed to log in: fixed without restarting us), 53 insufficient resources, 57 operator
 * intervention (query_canceled by statement_timeout, admin_shutdown, crash_shutdown, cannot_connect_now,
 * database_dropped).
 */
const TRANSIENT_SQL_CLASSES = new Set(['08', '28', '53', '57']);

/** Messages of pg / pg-pool / TypeORM errors that carry no code but mean the connection is gone or never came. */
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /is not queryable/i,
  /connection (?:is )?closed/i,
  /query read timeout/i,
  /server closed the connection unexpectedly/i,
  /too many connections/i,
  // TypeORM released the connection of a running transaction because it failed (see PostgresQueryRunner.connect).
  /query runner already released/i,
];

const SQL_STATE = /^[0-9A-Z]{5}$/;

/** The thrown error and what it wraps (TypeORM `driverError`, `cause`, AggregateError members), breadth first. */
function errorChain(err: unknown): object[] {
  const chain: object[] = [];
  const queue: unknown[] = [err];
  while (queue.length > 0 && chain.length < 16) {
    const current = queue.shift();
    if (typeof current !== 'object' || current === null || chain.includes(current)) continue;
    chain.push(current);
    const { driverError, cause, errors } = current as { driverError?: unknown; cause?: unknown; errors?: unknown };
    queue.push(driverError, cause);
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return chain;
}

function codeOf(err: object): string | undefined {
  // pg's errors carry `code`; our SpanWriteError keeps it as `sqlState`.
  const { code, sqlState } = err as { code?: unknown; sqlState?: unknown };
  if (typeof code === 'string') return code;
  return typeof sqlState === 'string' ? sqlState : undefined;
}

/** The PostgreSQL SQLSTATE of an error or of the driver error it wraps, if any. */
export function sqlStateOf(err: unknown): string | undefined {
  for (const link of errorChain(err)) {
    const code = codeOf(link);
    if (code === 'XX000') return relayed(link)?.state ?? code;
    if (code !== undefined && SQL_STATE.test(code)) return code;
  }
  return undefined;
}

/** The constraint a PostgreSQL error names (a unique or CHECK violation), on the error or the driver error it wraps. */
/**
 * Whether the error is a violation of constraint `name`, on one server or on Citus, where it names the copy on the shard
 * that refused the row (`name_<shard id>`).
 */
export function violatesConstraint(err: unknown, name: string): boolean {
  const constraint = constraintOf(err);
  return constraint !== undefined && (constraint === name || new RegExp(`^${name}_\\d+$`).test(constraint));
}

export function constraintOf(err: unknown): string | undefined {
  for (const link of errorChain(err)) {
    const { constraint } = link as { constraint?: unknown };
    if (typeof constraint === 'string') return constraint;
    if (codeOf(link) === 'XX000') return relayed(link)?.constraint;
  }
  return undefined;
}

/**
 * True when the failure is about the database being unavailable (down, restarting, overloaded, timed out, deadlocked)
 * or not ready for us (database, schema or tables missing, credentials refused) rather than about the data: retrying
 * the same write later can succeed.
 */
export function isTransientError(err: unknown): boolean {
  for (const link of errorChain(err)) {
    if ((link as { transient?: unknown }).transient === true) return true;
    const raw = codeOf(link);
    const code = raw === 'XX000' ? (relayed(link)?.state ?? raw) : raw;
    if (code !== undefined) {
      if (TRANSIENT_SOCKET_CODES.has(code) || TRANSIENT_SQL_STATES.has(code)) return true;
      if (SQL_STATE.test(code) && TRANSIENT_SQL_CLASSES.has(code.slice(0, 2))) return true;
    }
    const message = (link as { message?: unknown }).message;
    if (typeof message === 'string' && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) return true;
  }
  return false;
}

/**
 * True when PostgreSQL refused the data itself (class 22 data exception: bad JSON, too long, out of range; class 23
 * integrity violation: CHECK, NOT NULL, unique; class 21 cardinality: one upsert touching a row twice): some row of
 * the statement is bad and the others may be fine.
 */
export function isRowDataError(err: unknown): boolean {
  if (isTransientError(err)) return false;
  const state = sqlStateOf(err);
  return state !== undefined && ROW_DATA_CLASSES.has(state.slice(0, 2));
}

const ROW_DATA_CLASSES = new Set(['21', '22', '23']);

/**
 * Citus relays some errors of its workers (a COPY row refused, a conflict met by an insert it planned itself, a worker
 * restarting mid-transaction) as XX000 (internal error) with the worker's message and without its SQLSTATE or
 * constraint: these are told by PostgreSQL's and Citus's (English) message texts, with the constraint named in the message (its shard's copy: the shard id suffix is cut).
 * Messages in another language (lc_messages on the workers) stay XX000 and fail a write like any other error.
 */
const RELAYED: ReadonlyArray<readonly [RegExp, string]> = [
  [/^duplicate key value violates unique constraint "([^"]+)"/, '23505'],
  [/^new row for relation "[^"]+" violates check constraint "([^"]+)"/, '23514'],
  [/^null value in column "[^"]+" of relation "[^"]+" violates not-null constraint/, '23502'],
  [/^invalid input syntax for type/, '22P02'],
  [/^value too long for type/, '22001'],
  [/^(?:integer|bigint|smallint|numeric field|value) .*out of range/, '22003'],
  [/^invalid byte sequence for encoding/, '22021'],
  [/^could not serialize access/, '40001'],
  // A worker node restarting or unreachable in the middle of a distributed transaction: Citus aborts it whole, so the
  // write is retried like any connection failure (it is idempotent).
  [/^terminating connection due to administrator command/, '57P01'],
  [/^failure on connection marked as essential/, '08006'],
  [/^connection to the remote node .* failed/, '08001'],
  [/^could not commit transaction for shard/, '08006'],
  [/^the database system is (?:shutting down|starting up|in recovery mode)/, '57P03'],
  [/deadlock detected/, '40P01'],
];

/** What a relayed XX000 error really was (see RELAYED): its SQLSTATE and the constraint it names. */
function relayed(link: object): { state: string; constraint: string | undefined } | undefined {
  const message = (link as { message?: unknown }).message;
  if (typeof message !== 'string') return undefined;
  for (const [pattern, state] of RELAYED) {
    const match = pattern.exec(message);
    if (match !== null) return { state, constraint: match[1]?.replace(/_\d+$/, '') };
  }
  return undefined;
}

/**
 * What the writer throws when a whole write fails. It carries the SQLSTATE and the retry hint but never the SQL
 * parameters (TypeORM's QueryFailedError holds every value of the batch, which must not reach a log).
 */
export class SpanWriteError extends Error {
  override readonly name = 'SpanWriteError';
  readonly sqlState: string | undefined;
  readonly transient: boolean;

  constructor(message: string, options: { sqlState?: string; transient: boolean }) {
    super(message);
    this.sqlState = options.sqlState;
    this.transient = options.transient;
  }
}

/** A short reason for a rejected row or failed write: SQLSTATE, message and constraint, never the row's values. */
export function describeDatabaseError(err: unknown): string {
  const chain = errorChain(err);
  const driver = chain.find((link) => codeOf(link) !== undefined) ?? chain[0];
  const message = (driver as { message?: unknown } | undefined)?.message;
  const constraint = (driver as { constraint?: unknown } | undefined)?.constraint;
  const state = sqlStateOf(err);
  let text = typeof message === 'string' ? message : String(err);
  // Data errors quote the refused input (`invalid input syntax for type integer: "…"`): a value, not a reason.
  if (state?.startsWith('22')) text = text.replace(QUOTED_INPUT_TAIL, ': "…"');
  const parts = [state, text].filter(Boolean);
  if (typeof constraint === 'string' && !(typeof message === 'string' && message.includes(constraint))) {
    parts.push(`(constraint ${constraint})`);
  }
  const reason = maskUrlsIn(parts.join(': '));
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH)}…` : reason;
}

const MAX_REASON_LENGTH = 500;
const QUOTED_INPUT_TAIL = /: "[\s\S]*"$/;

/** A failed write as an error safe to log: SQLSTATE and message, no SQL parameters. */
export function toSpanWriteError(error: unknown): SpanWriteError {
  if (error instanceof SpanWriteError) return error;
  return new SpanWriteError(`agentspan: span write failed: ${describeDatabaseError(error)}`, {
    sqlState: sqlStateOf(error),
    transient: isTransientError(error),
  });
}
