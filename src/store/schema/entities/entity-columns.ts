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

/**
 * Declares the columns of a column table on an entity, as `@Column(…)` on each property (the field) would; the fields
 * in `primaryKeyOf` are part of the primary key of that name.
 */
export function declareColumns(
  entity: abstract new () => object,
  columns: readonly ExecutionColumn[],
  primaryKeyOf: Readonly<Record<string, string>> = {},
): void {
  for (const column of columns) {
    const primaryKeyConstraintName = primaryKeyOf[column.field];
    const options = entityColumnOptions(column);
    Column(primaryKeyConstraintName ? { ...options, primary: true, primaryKeyConstraintName } : options)(
      entity.prototype,
      column.field,
    );
  }
}
