import { QueryFailedError } from 'typeorm';
import {
  constraintOf,
  describeDatabaseError,
  isRowDataError,
  isTransientError,
  SpanWriteError,
  sqlStateOf,
  violatesConstraint,
} from '../../src/store/connection/errors';
import { seedsByGroup } from '../../src/store/write/shard-groups';

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

describe('errors Citus relays as XX000 (a worker refused a COPY row, or an insert it planned)', () => {
  const relayed = (message: string) => pgError('XX000', message, { detail: 'Failing row contains (secret).' });

  it('are read by their message: SQLSTATE, row data or not, and the constraint without the shard id', () => {
    const duplicate = relayed('duplicate key value violates unique constraint "uq_agent_executions_span_102038"');
    expect(sqlStateOf(duplicate)).toBe('23505');
    expect(isRowDataError(duplicate)).toBe(true);
    expect(constraintOf(duplicate)).toBe('uq_agent_executions_span');
    const check = relayed('new row for relation "agent_executions_102031" violates check constraint "chk_x"');
    expect([sqlStateOf(check), constraintOf(check)]).toEqual(['23514', 'chk_x']);
    expect(sqlStateOf(relayed('value too long for type character varying(32)'))).toBe('22001');
    expect(sqlStateOf(relayed('invalid input syntax for type json'))).toBe('22P02');
    expect(sqlStateOf(relayed('could not serialize access due to concurrent update'))).toBe('40001');
    // A worker restarting under a distributed transaction: retried, never taken for bad rows (found by the load
    // test: these were dropped as write_failed).
    for (const message of [
      'failure on connection marked as essential: 127.0.0.1:9701',
      'terminating connection due to administrator command',
      'connection to the remote node 127.0.0.1:9701 failed with the following error: Connection refused',
      'could not commit transaction for shard 102008 on at least one active node',
      'the database system is shutting down',
      'distributed deadlock detected and transaction 1234 is cancelled',
    ]) {
      expect([message, isTransientError(relayed(message)), isRowDataError(relayed(message))]).toEqual([
        message,
        true,
        false,
      ]);
    }
    // Anything else stays an internal error, and is not retried.
    const other = relayed('could not find the shard placement');
    expect(sqlStateOf(other)).toBe('XX000');
    expect(isTransientError(other)).toBe(false);
    expect(isRowDataError(other)).toBe(false);
    // The row's values (in the detail) never reach the description.
    expect(describeDatabaseError(check)).not.toContain('secret');
  });

  it('name a constraint with or without the shard suffix', () => {
    const onShard = pgError('23505', 'dup', { constraint: 'pk_agent_metrics_hourly_102137' });
    expect(violatesConstraint(onShard, 'pk_agent_metrics_hourly')).toBe(true);
    expect(
      violatesConstraint(pgError('23505', 'dup', { constraint: 'pk_agent_metrics_hourly' }), 'pk_agent_metrics_hourly'),
    ).toBe(true);
    expect(
      violatesConstraint(
        pgError('23505', 'dup', { constraint: 'pk_agent_metrics_hourly_x' }),
        'pk_agent_metrics_hourly',
      ),
    ).toBe(false);
    expect(violatesConstraint(pgError('23505', 'dup', { constraint: 'pk_other_1' }), 'pk_agent_metrics_hourly')).toBe(
      false,
    );
  });
});

describe('seedsByGroup', () => {
  it('splits parallel trace and span ids by the group of their trace, leaving out empty groups', () => {
    const groups = [['t1', 't3'], ['t2'], ['t9']];
    expect(
      seedsByGroup(groups, [
        ['t1', 't2', 't3', 't1'],
        ['a', 'b', 'c', 'd'],
      ]),
    ).toEqual([
      [
        ['t1', 't3', 't1'],
        ['a', 'c', 'd'],
        ['t1', 't3'],
      ],
      [['t2'], ['b'], ['t2']],
    ]);
    expect(seedsByGroup([], [[], []])).toEqual([]);
  });
});
