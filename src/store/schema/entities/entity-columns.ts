import { Column, type ColumnOptions } from 'typeorm';
import { SQL_TYPES } from '../column-ddl';
import type { ExecutionColumn } from '../execution-columns';

/** The @Column options of a column of a column table (see execution-columns). */
export function entityColumnOptions(column: ExecutionColumn): ColumnOptions {
  return {
    name: column.name,
    type:
      column.type === 'text' && column.width !== undefined
        ? 'varchar'
        : (SQL_TYPES[column.type] as ColumnOptions['type']),
    length: column.width,
    collation: column.collation,
    nullable: column.required !== true,
  };
}

/** Declares the columns of a column table on an entity, as `@Column(…)` on each property (the field) would. */
export function declareColumns(entity: abstract new () => object, columns: readonly ExecutionColumn[]): void {
  for (const column of columns) Column(entityColumnOptions(column))(entity.prototype, column.field);
}
