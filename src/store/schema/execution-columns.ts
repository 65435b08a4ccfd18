import type { ExecutionRecord } from '../../model/records';
import type { ColumnType, ColumnValueOf, MergeRule, WrittenColumn } from './column';

/**
 * The columns of agent_executions that records fill, in the order of the COPY and upsert column lists: the one place
 * a column is described. The COPY statement and its row encoding (span-copy), the upsert statement, its JSON payload
 * and merge (span-upsert-sql, upsert-payload), the batch merge (dedupe-records), the entity's columns
 * (AgentExecution) and the query view (query/execution-view) are all derived from it.
 *
 * Adding a nullable column: an entry here with `addedIn` (its migration is generated from the entry, see
 * migrations/added-columns.ts), the record field (model/records.ts) and the mapping that sets it.
 * A timestamptz or jsonb column is read back as a Date or parsed JSON: declare its read form in AgentExecution and
 * in the query's ExecutionView as well. `id`, `created_at` and `updated_at` are not filled from records: the
 * writer and the entity handle them.
 */

type ExecutionMerge = Extract<MergeRule, 'key' | 'fill' | 'final'>;

interface ExecutionColumnOptions {
  readonly merge: ExecutionMerge;
  /** varchar(width); none: text (for a text column). */
  readonly width?: number;
  /** Compared byte by byte (see the BinaryCollationForIds migration). */
  readonly collation?: 'C';
  /** NOT NULL. */
  readonly required?: true;
  /** jsonb that holds an object: a query reads anything else as null. */
  readonly object?: true;
  /**
   * A query returns the field only when it holds a value: a column added later leaves results of rows without it
   * exactly as they were.
   */
  readonly view?: 'when-set';
  /**
   * The timestamp of the migration that adds this column to existing databases, generated from this entry
   * (`Add<Column><timestamp>`, see migrations/added-columns.ts): for a nullable column added after the table was
   * created. Its definition is then frozen like any applied migration: changing it needs a migration of its own.
   */
  readonly addedIn?: number;
}

export interface ExecutionColumn extends WrittenColumn<[ExecutionRecord]>, ExecutionColumnOptions {
  readonly merge: ExecutionMerge;
  /** The record field the column holds (its name in camel case): also the entity's property and the view's field. */
  readonly field: keyof ExecutionRecord;
}

/** `parent_span_id` → `parentSpanId`: a column holds the record field of its name in camel case. */
type FieldOf<Name extends string> = Name extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<FieldOf<Tail>>}`
  : Name;

/** One column; the name must be a record field's in snake case, and `read` must give a value of the column's type. */
function column<Name extends string, T extends ColumnType>(
  name: Name & (FieldOf<Name> extends keyof ExecutionRecord ? unknown : never),
  type: T,
  read: (record: ExecutionRecord) => ColumnValueOf[T] | null,
  options: ExecutionColumnOptions,
): ExecutionColumn {
  const field = name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()) as keyof ExecutionRecord;
  return { name, type, read, field, ...options };
}

const ID = { width: 16, collation: 'C' } as const;
const NAME = { merge: 'fill', width: 256 } as const;

export const EXECUTION_COLUMNS: readonly ExecutionColumn[] = [
  column('trace_id', 'text', (e) => e.traceId, { merge: 'key', required: true, width: 32, collation: 'C' }),
  column('span_id', 'text', (e) => e.spanId, { merge: 'key', required: true, ...ID }),
  column('parent_span_id', 'text', (e) => e.parentSpanId, { merge: 'fill', ...ID }),
  column('kind', 'text', (e) => e.kind, { merge: 'fill', required: true, width: 16 }),
  column('name', 'text', (e) => e.name, { merge: 'fill', required: true, width: 1024 }),
  column('agent_name', 'text', (e) => e.agentName, NAME),
  column('agent_version', 'text', (e) => e.agentVersion, { merge: 'fill', width: 128 }),
  column('status', 'text', (e) => e.status, { merge: 'final', required: true, width: 16 }),
  column('started_at', 'timestamptz', (e) => e.startedAt, { merge: 'fill', required: true }),
  column('completed_at', 'timestamptz', (e) => e.completedAt, { merge: 'final' }),
  column('error_type', 'text', (e) => e.errorType, { merge: 'final', width: 256 }),
  column('error_message', 'text', (e) => e.errorMessage, { merge: 'final' }),
  column('input', 'jsonb', (e) => e.input, { merge: 'fill' }),
  column('output', 'jsonb', (e) => e.output, { merge: 'final' }),
  column('quality_score', 'float8', (e) => e.qualityScore, { merge: 'final' }),
  column('user_id', 'text', (e) => e.userId, NAME),
  column('session_id', 'text', (e) => e.sessionId, NAME),
  column('tenant_id', 'text', (e) => e.tenantId, NAME),
  column('conversation_id', 'text', (e) => e.conversationId, NAME),
  column('metadata', 'jsonb', (e) => e.metadata, { merge: 'fill', object: true }),
  column('service_name', 'text', (e) => e.serviceName, NAME),
  // Records spilled by an earlier version have no metrics nor instrumentation scope.
  column('metrics', 'jsonb', (e) => e.metrics ?? null, { merge: 'final', object: true }),
  column('instrumentation_scope', 'text', (e) => e.instrumentationScope ?? null, {
    ...NAME,
    view: 'when-set',
    addedIn: 1797033600000,
  }),
  // The language of the SDK that made the span (telemetry.sdk.language: nodejs, python, go…): runs reach agentspan
  // from other languages through the OTLP collector.
  column('sdk_language', 'text', (e) => e.sdkLanguage ?? null, {
    merge: 'fill',
    width: 32,
    view: 'when-set',
    addedIn: 1797292800000,
  }),
];

/** The record fields a record takes from another record of its span where it has none (see MergeRule `fill`). */
export const FILLED_FIELDS: readonly (keyof ExecutionRecord)[] = EXECUTION_COLUMNS.filter(
  (c) => c.merge === 'fill',
).map((c) => c.field);
