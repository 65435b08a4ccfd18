import { Column, type ColumnOptions } from 'typeorm';
import type { ColumnType } from '../column';
import type { ExecutionColumn } from '../execution-columns';

/** The TypeORM type of each column type (a text column with a width is varchar). */
const TYPEORM_TYPES: Record<ColumnType, ColumnOptions['type']> = {
  text: 'text',
  jsonb: 'jsonb',
  timestamptz: 'timestamptz',
  float8: 'double precision',
  int4: 'integer',
  int8: 'bigint',
  numeric: 'numeric',
  bool: 'boolean',
};

/** The @Column options of a column of a column table (see execution-columns). */
export function entityColumnOptions(column: ExecutionColumn): ColumnOptions {
  return {
    name: column.name,
    type: column.type === 'text' && column.width !== undefined ? 'varchar' : TYPEORM_TYPES[column.type],
    length: column.width,
    collation: column.collation,
    nullable: column.required !== true,
  };
}

/** Declares the columns of a column table on an entity, as `@Column(…)` on each property (the field) would. */
export function declareColumns(entity: abstract new () => object, columns: readonly ExecutionColumn[]): void {
  for (const column of columns) Column(entityColumnOptions(column))(entity.prototype, column.field);
}
