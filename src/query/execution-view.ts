import { EXECUTION_COLUMNS, type ExecutionColumn } from '../store/schema/execution-columns';
import { dateOf, dateOrNull, jsonObjectOrNull, jsonOf, numberOrNull, stringOrNull } from './sql-values';
import type { ExecutionView } from './types';

/**
 * An ExecutionView is read from agent_executions by its column table (EXECUTION_COLUMNS): every column a record
 * fills is selected and mapped, so a new column reaches the view with no change here.
 */

/**
 * The SELECT list of an ExecutionView over agent_executions aliased `e`. JSON columns travel as text (see jsonOf);
 * aliases are the camelCase field names the mapper reads.
 */
export const EXECUTION_VIEW_COLUMNS = ['e.id AS "executionId"']
  .concat(
    EXECUTION_COLUMNS.map(({ name, type, field }) => `e.${name}${type === 'jsonb' ? '::text' : ''} AS "${field}"`),
  )
  .join(', ');

/** How a query reads a column's value: the converter of its type (and nullability, and JSON shape). */
function converterOf(column: ExecutionColumn): (value: unknown) => unknown {
  switch (column.type) {
    case 'timestamptz':
      return column.required ? dateOf : dateOrNull;
    case 'jsonb':
      return column.object ? jsonObjectOrNull : jsonOf;
    case 'text':
      return column.required ? String : stringOrNull;
    case 'bool':
      return (value) => value ?? null;
    default:
      return numberOrNull;
  }
}

const FIELDS = EXECUTION_COLUMNS.map((column) => ({
  field: column.field,
  convert: converterOf(column),
  whenSet: column.view === 'when-set',
}));

export function toExecutionView(row: Record<string, unknown>): ExecutionView {
  const view: Record<string, unknown> = { executionId: String(row.executionId) };
  for (const { field, convert, whenSet } of FIELDS) {
    const value = convert(row[field]);
    if (value !== null || !whenSet) view[field] = value;
  }
  return view as unknown as ExecutionView;
}
