/**
 * Time partitions (opt-in, see connection/partition): the tables partitioned by month and their partition column — a
 * time that comes with the span and never changes, so a span delivered again lands in the partition of its first
 * delivery and its unique key (which must hold the partition column) still finds it.
 */
export const PARTITIONED_TABLES = { agent_executions: 'started_at', agent_events: 'occurred_at' } as const;

export type PartitionedTable = keyof typeof PARTITIONED_TABLES;

/** The first instant of the UTC month of `date`. */
export function monthStart(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
}

/** The first instant of the UTC month `months` after the one `date` is in. */
export function addMonths(date: Date, months: number): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1));
}

/** The name of a table's partition for the month starting at `month`: agent_executions_p2026_12. */
export function partitionName(table: PartitionedTable, month: Date): string {
  return `${table}_p${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The partition of everything before the first monthly one, and the one of everything after the last. */
export const partitionBefore = (table: PartitionedTable) => `${table}_before`;
export const partitionDefault = (table: PartitionedTable) => `${table}_default`;
