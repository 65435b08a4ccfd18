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
  const schema = (dataSource.options as { schema?: string }).schema;
  return schema ? `${quoteIdentifier(schema)}.${quoteIdentifier(table)}` : quoteIdentifier(table);
}
