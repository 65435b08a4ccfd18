import { QueryFailedError } from 'typeorm';
import {
  constraintOf,
  describeDatabaseError,
  isRowDataError,
  isTransientError,
  SpanWriteError,
  sqlStateOf,
} from '../../src/store/connection/errors';

/** A pg DatabaseError look-alike: what the driver throws for a server-side error. */
function pgError(code: string, message = 'boom', extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR', ...extra });
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: 'connect' });
}

describe('isTransientError', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])(
    'retries socket error %s',
    (code) => {
      expect(isTransientError(socketError(code))).toBe(true);
    },
  );

  it.each([
    ['08006', 'connection_failure'],
    ['08001', 'sqlclient_unable_to_establish_sqlconnection'],
    ['53300', 'too_many_connections'],
    ['53100', 'disk_full'],
    ['57P01', 'admin_shutdown'],
    ['57P03', 'cannot_connect_now'],
    ['57014', 'query_canceled (statement_timeout)'],
    ['57P04', 'database_dropped'],
    ['25P03', 'idle_in_transaction_session_timeout'],
    // Not ready for us yet, and fixable while we wait: records wait in the queue instead of being dropped.
    ['42P01', 'undefined_table (migrations not run)'],
    ['3F000', 'invalid_schema_name'],
    ['3D000', 'invalid_catalog_name (database dropped)'],
    ['28P01', 'invalid_password'],
    ['28000', 'invalid_authorization_specification (role may not log in)'],
    ['40001', 'serialization_failure'],
    ['40P01', 'deadlock_detected'],
    ['55P03', 'lock_not_available'],
  ])('retries SQLSTATE %s (%s)', (code) => {
    expect(isTransientError(pgError(code))).toBe(true);
  });

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'timeout exceeded when trying to connect',
    'Client has encountered a connection error and is not queryable',
    'Client was closed and is not queryable',
    'Query read timeout',
    // TypeORM, when a transaction's connection failed between two statements.
    'Query runner already released. Cannot run queries anymore.',
  ])('retries the code-less pg message %p', (message) => {
    expect(isTransientError(new Error(message))).toBe(true);
  });

  it.each([
    ['23514', 'check_violation'],
    ['22001', 'string_data_right_truncation'],
    ['22P02', 'invalid_text_representation'],
    ['42601', 'syntax_error'],
    ['42703', 'undefined_column'],
    ['42501', 'insufficient_privilege'],
  ])('does not retry SQLSTATE %s (%s)', (code) => {
    expect(isTransientError(pgError(code))).toBe(false);
  });

  it('does not retry plain errors or non-errors', () => {
    expect(isTransientError(new Error('something else'))).toBe(false);
    expect(isTransientError(undefined)).toBe(false);
    expect(isTransientError('ECONNREFUSED')).toBe(false);
  });

  it('looks through TypeORM QueryFailedError, cause chains and AggregateError', () => {
    expect(isTransientError(new QueryFailedError('SELECT 1', [], pgError('57P01')))).toBe(true);
    expect(isTransientError(new Error('outer', { cause: socketError('ECONNRESET') }))).toBe(true);
    // Node's happy-eyeballs connect failure: one error per address.
    expect(isTransientError(new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')]))).toBe(true);
  });

  it('honours the transient flag of SpanWriteError', () => {
    expect(isTransientError(new SpanWriteError('down', { transient: true }))).toBe(true);
    expect(isTransientError(new SpanWriteError('bad statement', { sqlState: '42601', transient: false }))).toBe(false);
  });
});

describe('isRowDataError', () => {
  it.each(['22001', '22003', '22P02', '22P05', '23502', '23505', '23514', '21000'])('is true for %s', (code) => {
    expect(isRowDataError(new QueryFailedError('INSERT', [], pgError(code)))).toBe(true);
  });

  it.each(['42P01', '08006', '57P01', '40P01'])('is false for %s', (code) => {
    expect(isRowDataError(pgError(code))).toBe(false);
  });

  it('is false without a SQLSTATE', () => {
    expect(isRowDataError(socketError('ECONNRESET'))).toBe(false);
    expect(isRowDataError(new Error('x'))).toBe(false);
  });
});

describe('describeDatabaseError', () => {
  it('gives the SQLSTATE, message and constraint, never the statement parameters', () => {
    const driverError = pgError('23514', 'new row for relation "agent_executions" violates check constraint', {
      constraint: 'chk_agent_executions_quality_score',
      detail: 'Failing row contains (secret-input-value).',
    });
    const reason = describeDatabaseError(new QueryFailedError('INSERT …', ['secret-parameter'], driverError));
    expect(reason).toContain('23514');
    expect(reason).toContain('violates check constraint');
    expect(reason).toContain('chk_agent_executions_quality_score');
    expect(reason).not.toContain('secret-parameter');
    expect(reason).not.toContain('secret-input-value');
  });

  it('leaves out the input a data error quotes, and keeps the identifiers other errors quote', () => {
    const refused = pgError('22P02', 'invalid input syntax for type timestamp with time zone: "secret-user-text"');
    const reason = describeDatabaseError(new QueryFailedError('COPY …', [], refused));
    expect(reason).toBe('22P02: invalid input syntax for type timestamp with time zone: "…"');
    const missing = describeDatabaseError(pgError('42P01', 'relation "agent_executions" does not exist'));
    expect(missing).toContain('"agent_executions"');
  });

  it('masks a connection string quoted in the message and bounds the length', () => {
    expect(describeDatabaseError(new Error('bad url postgres://u:hunter2@h/db'))).not.toContain('hunter2');
    expect(describeDatabaseError(new Error('x'.repeat(5000))).length).toBeLessThanOrEqual(501);
  });
});

describe('sqlStateOf', () => {
  it('finds the SQLSTATE of a wrapped driver error and ignores socket codes', () => {
    expect(sqlStateOf(new QueryFailedError('q', [], pgError('23505')))).toBe('23505');
    expect(sqlStateOf(socketError('ECONNREFUSED'))).toBeUndefined();
  });
});

describe('constraintOf', () => {
  it('finds the constraint a wrapped driver error names, and nothing when there is none', () => {
    const duplicate = pgError('23505', 'duplicate key value', { constraint: 'pk_agent_metrics_hourly' });
    expect(constraintOf(new QueryFailedError('q', [], duplicate))).toBe('pk_agent_metrics_hourly');
    expect(constraintOf(new Error('oops', { cause: duplicate }))).toBe('pk_agent_metrics_hourly');
    expect(constraintOf(pgError('40001'))).toBeUndefined();
    expect(constraintOf('not an error')).toBeUndefined();
  });
});
