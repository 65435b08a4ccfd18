import type { JsonText, Timestamp } from '../../model/records';

/**
 * The PostgreSQL types of the columns the writer fills, named as the binary COPY encoder (copy-binary) writes them.
 * Each type fixes the column's binary COPY form, its type in the upsert's json_to_recordset and how a query reads it.
 */
export type ColumnType = 'text' | 'jsonb' | 'timestamptz' | 'float8' | 'int4' | 'int8' | 'numeric' | 'bool';

/** What a record holds for a column of each type (null: NULL). */
export interface ColumnValueOf {
  text: string;
  jsonb: JsonText;
  timestamptz: Timestamp;
  float8: number;
  int4: number;
  int8: number;
  numeric: string;
  bool: boolean;
}

/**
 * What a column becomes when a record meets a stored row with the same key (the upsert's ON CONFLICT) or another
 * record of the same span in one batch (dedupe-records), which must agree:
 * - `key`: part of the row's identity, never changed;
 * - `fill` (executions): what the span is; a final record keeps its own value and takes the stored one only where it
 *   has none; a `running` record only fills what the row lacks;
 * - `final` (executions): how the span ended; a final record's value replaces the stored one, null included; a
 *   `running` record only fills what the row lacks (in SQL; in a batch, one running record leaves another as it is);
 * - `replace` (performance, decisions, events): the record's value replaces the stored one.
 */
export type MergeRule = 'key' | 'fill' | 'final' | 'replace';

/** What the writer knows of a column without its records: its SQL name, type, merge rule and source. */
export interface ColumnShape {
  /** The SQL name. */
  readonly name: string;
  readonly type: ColumnType;
  readonly merge: MergeRule;
  /** Read from the parent record (a decision's execution): the upsert takes it from the parent's payload row. */
  readonly fromParent?: true;
}

/**
 * A column the writer fills from records `A` (a performance record; a decision and its execution). `read` is a
 * plain function chosen once per column: rows are encoded with no lookup by name (see compiled-columns).
 */
export interface WrittenColumn<A extends unknown[]> extends ColumnShape {
  /** The column's value in a record; null for NULL. */
  readonly read: (...records: A) => unknown;
}

/**
 * A column builder for records `A`: `columnsOf<[PerformanceRecord]>()('duration_ms', 'float8', (p) => p.durationMs)`.
 * The type checks that the reader gives a value of the column's type. Merge rule by default `replace`.
 */
export function columnsOf<A extends unknown[]>() {
  return <T extends ColumnType>(
    name: string,
    type: T,
    read: (...records: A) => ColumnValueOf[T] | null,
    options: { merge?: MergeRule; fromParent?: true } = {},
  ): WrittenColumn<A> => ({ name, type, read, merge: options.merge ?? 'replace', fromParent: options.fromParent });
}

/** The SQL names, comma separated, in order. */
export function columnNames(columns: readonly { readonly name: string }[]): string {
  return columns.map((column) => column.name).join(', ');
}
