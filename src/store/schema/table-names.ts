import type { DataSource } from 'typeorm';

export type AgentspanTable =
  | 'agent_executions'
  | 'agent_performance'
  | 'agent_decisions'
  | 'agent_events'
  | 'model_prices'
  | 'agent_metrics_hourly'
  | 'agentspan_rollup_state'
  | 'agentspan_run_changes';

/** Double-quotes an SQL identifier. */
export function quoteIdentifier(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** The SQL name of one of our tables, qualified with the DataSource's `schema` option when it has one. */
export function qualifiedTableName(dataSource: DataSource, table: AgentspanTable): string {
  return qualifiedName((dataSource.options as { schema?: string }).schema, table);
}

/** The SQL name of any relation of ours (a table, a partition, an index), qualified with `schema` when there is one. */
export function qualifiedName(schema: string | undefined, relation: string): string {
  return schema ? `${quoteIdentifier(schema)}.${quoteIdentifier(relation)}` : quoteIdentifier(relation);
}
