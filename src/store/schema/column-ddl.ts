import type { ColumnType } from './column';
import type { ExecutionColumn } from './execution-columns';

/** The SQL type of each column type; a text column with a width is varchar(width). */
export const SQL_TYPES: Record<ColumnType, string> = {
  text: 'text',
  jsonb: 'jsonb',
  timestamptz: 'timestamptz',
  float8: 'double precision',
  int4: 'integer',
  int8: 'bigint',
  numeric: 'numeric',
  bool: 'boolean',
};

/** A column's definition as `ALTER TABLE … ADD COLUMN` takes it: `instrumentation_scope varchar(256)`. */
export function columnDefinition(column: ExecutionColumn): string {
  const type =
    column.type === 'text' && column.width !== undefined ? `varchar(${column.width})` : SQL_TYPES[column.type];
  const collation = column.collation === undefined ? '' : ` COLLATE "${column.collation}"`;
  return `${column.name} ${type}${collation}${column.required ? ' NOT NULL' : ''}`;
}
