import type { DataSource } from 'typeorm';
import { columnNames, type ColumnShape, type ColumnType } from '../schema/column';
import { DECISION_COLUMNS } from '../schema/decision-columns';
import { EVENT_COLUMNS } from '../schema/event-columns';
import { EXECUTION_COLUMNS } from '../schema/execution-columns';
import { PERFORMANCE_COLUMNS } from '../schema/performance-columns';
import { qualifiedTableName } from '../schema/table-names';
import { PERFORMANCE_PREFIX } from './upsert-payload';

/**
 * The one statement that writes a chunk of span records into all four tables.
 *
 * The whole chunk travels as JSON parameters unpacked by json_to_recordset (spans, decisions, events; see
 * upsert-payload): three bind parameters whatever the row count (so no chunking around PostgreSQL's 65,535-parameter limit), one round trip for all four tables, and
 * JSON.stringify is the fastest serializer Node has. Measured on agent_executions alone against a multi-row VALUES
 * list (≈2.7× slower: 21 parameters per row, a huge statement to parse and plan, chunks of 3,120 rows at most) and
 * against unnest() of one array per column (pg's array escaping in JS: ≈10 % slower; hand-built array literals:
 * the server saves ≈1 µs a row, Node spends about as much more). jsonb_to_recordset parses twice as slowly.
 * JSON-valued fields travel as JSON strings and are cast to jsonb on the server, so invalid JSON fails its row.
 */

/** A column's type in json_to_recordset: JSON text arrives as text and is cast where it is used. */
const RECORDSET_TYPES: Record<ColumnType, string> = {
  text: 'text',
  jsonb: 'text',
  timestamptz: 'timestamptz',
  float8: 'float8',
  int4: 'integer',
  int8: 'bigint',
  numeric: 'numeric',
  bool: 'boolean',
};

type Columns = readonly ColumnShape[];

/** `name type` pairs for json_to_recordset. */
function recordsetDefinition(columns: Columns, prefix = ''): string {
  return columns.map(({ name, type }) => `${prefix}${name} ${RECORDSET_TYPES[type]}`).join(', ');
}

function selectExpression(columns: Columns, alias: string, prefix = ''): string {
  return columns
    .map(({ name, type }) => (type === 'jsonb' ? `${alias}.${prefix}${name}::jsonb` : `${alias}.${prefix}${name}`))
    .join(', ');
}

/** The SET list of an execution row met again: each column by its merge rule (see MergeRule). */
function executionMerge(): string {
  return EXECUTION_COLUMNS.filter(({ merge }) => merge !== 'key')
    .map(({ name, merge }) => {
      const fromFinal = merge === 'final' ? `EXCLUDED.${name}` : `COALESCE(EXCLUDED.${name}, t.${name})`;
      return `${name} = CASE WHEN EXCLUDED.status = 'running' THEN COALESCE(t.${name}, EXCLUDED.${name}) ELSE ${fromFinal} END`;
    })
    .concat('updated_at = EXCLUDED.updated_at')
    .join(',\n        ');
}

/** The SET list of a child row met again: every column the record gives, replaced. */
function replaceAll(columns: Columns): string {
  return columns
    .filter(({ merge }) => merge !== 'key')
    .map(({ name }) => `${name} = EXCLUDED.${name}`)
    .join(', ');
}

/** Columns of an item table (decisions, events) read from the item itself: what its payload rows carry. */
const ownColumns = (columns: Columns) => columns.filter((column) => !column.fromParent);
/** Columns of an item table taken from its execution's payload row (`i`). */
const parentColumns = (columns: Columns) => columns.filter((column) => column.fromParent);

const DECISION_OWN = ownColumns(DECISION_COLUMNS);
const EVENT_OWN = ownColumns(EVENT_COLUMNS);

/**
 * The upsert statement for one DataSource (schema-qualified names) and its tables (`partitioned`: by time, see
 * connection/partition); $1, $2, $3 are the JSON arrays of span, decision
 * and event rows. A row met again keeps its stored updated_at's meaning through EXCLUDED.updated_at (the column's
 * default, now()): Citus refuses functions that are not IMMUTABLE in DO UPDATE SET.
 */
export function buildSpanUpsertSql(dataSource: DataSource, partitioned = false): string {
  // On time partitions every unique key holds the partition column (see schema/partitions).
  const spanKey = partitioned ? 'trace_id, span_id, started_at' : 'trace_id, span_id';
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const performance = qualifiedTableName(dataSource, 'agent_performance');
  const decisions = qualifiedTableName(dataSource, 'agent_decisions');
  const events = qualifiedTableName(dataSource, 'agent_events');
  return `
    WITH input AS (
      SELECT * FROM json_to_recordset($1::json) AS r(
        ${recordsetDefinition(EXECUTION_COLUMNS)},
        has_performance boolean, ${recordsetDefinition(PERFORMANCE_COLUMNS, PERFORMANCE_PREFIX)})
    ),
    decision_input AS (
      SELECT * FROM json_to_recordset($2::json) AS d(trace_id text, span_id text, ${recordsetDefinition(DECISION_OWN)})
    ),
    event_input AS (
      SELECT * FROM json_to_recordset($3::json) AS v(trace_id text, span_id text, ${recordsetDefinition(EVENT_OWN)})
    ),
    upserted AS (
      INSERT INTO ${executions} AS t (${columnNames(EXECUTION_COLUMNS)})
      SELECT ${selectExpression(EXECUTION_COLUMNS, 'i')} FROM input i
      ON CONFLICT (${spanKey}) DO UPDATE SET
        ${executionMerge()}
      WHERE t.status = 'running' OR EXCLUDED.status <> 'running'
      RETURNING t.id, t.trace_id, t.span_id
    ),
    performance_rows AS (
      INSERT INTO ${performance} AS t (execution_id, trace_id, ${columnNames(PERFORMANCE_COLUMNS)})
      SELECT u.id, u.trace_id, ${selectExpression(PERFORMANCE_COLUMNS, 'i', PERFORMANCE_PREFIX)}
      FROM input i JOIN upserted u ON u.trace_id = i.trace_id AND u.span_id = i.span_id
      WHERE i.has_performance
      ON CONFLICT (execution_id, trace_id) DO UPDATE SET
        ${replaceAll(PERFORMANCE_COLUMNS)}, updated_at = EXCLUDED.updated_at
      RETURNING 1
    ),
    decision_rows AS (
      INSERT INTO ${decisions} AS t (execution_id, ${itemColumnNames(DECISION_COLUMNS)})
      SELECT u.id, ${selectExpression(parentColumns(DECISION_COLUMNS), 'i')}, ${selectExpression(DECISION_OWN, 'd')}
      FROM decision_input d
        JOIN input i ON i.trace_id = d.trace_id AND i.span_id = d.span_id
        JOIN upserted u ON u.trace_id = d.trace_id AND u.span_id = d.span_id
      ON CONFLICT (trace_id, span_id, ordinal) DO UPDATE SET
        execution_id = EXCLUDED.execution_id, ${replaceAll(DECISION_COLUMNS)}
      RETURNING 1
    ),
    event_rows AS (
      INSERT INTO ${events} AS t (execution_id, ${itemColumnNames(EVENT_COLUMNS)})
      SELECT u.id, ${selectExpression(parentColumns(EVENT_COLUMNS), 'i')}, ${selectExpression(EVENT_OWN, 'v')}
      FROM event_input v
        JOIN input i ON i.trace_id = v.trace_id AND i.span_id = v.span_id
        JOIN upserted u ON u.trace_id = v.trace_id AND u.span_id = v.span_id
      ON CONFLICT (trace_id, span_id, ordinal${partitioned ? ', occurred_at' : ''}) DO UPDATE SET
        execution_id = EXCLUDED.execution_id, ${replaceAll(EVENT_COLUMNS)}
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM upserted)::int AS executions,
           (SELECT count(*) FROM performance_rows)::int AS performance,
           (SELECT count(*) FROM decision_rows)::int AS decisions,
           (SELECT count(*) FROM event_rows)::int AS events`;
}

/** An item table's columns, those taken from the execution first (as the SELECT gives them). */
function itemColumnNames(columns: Columns): string {
  return columnNames([...parentColumns(columns), ...ownColumns(columns)]);
}
