import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './bigint-number.transformer';

/**
 * One agent's runs in one UTC hour (of their start), rolled up from agent_executions and agent_performance by
 * refreshHourlyRollups. Tokens and cost are the runs' subtree totals, as stats reports them for agent runs (a nested
 * agent's tokens are in its own row and in its parent's). Recomputed whole from raw rows whenever anything of its
 * hour changed: re-running gives the same row.
 */
@Entity({ name: 'agent_metrics_hourly' })
@Index('idx_agent_metrics_hourly_hour', ['hour'])
export class AgentMetricsHourly {
  /** '' for runs without an agent name. */
  @PrimaryColumn({
    name: 'agent_name',
    type: 'varchar',
    length: 256,
    primaryKeyConstraintName: 'pk_agent_metrics_hourly',
  })
  agentName!: string;

  @PrimaryColumn({ name: 'hour', type: 'timestamptz', primaryKeyConstraintName: 'pk_agent_metrics_hourly' })
  hour!: Date;

  @Column({ name: 'total', type: 'integer' })
  total!: number;

  @Column({ name: 'succeeded', type: 'integer' })
  succeeded!: number;

  @Column({ name: 'failed', type: 'integer' })
  failed!: number;

  @Column({ name: 'cancelled', type: 'integer' })
  cancelled!: number;

  @Column({ name: 'abandoned', type: 'integer' })
  abandoned!: number;

  @Column({ name: 'running', type: 'integer' })
  running!: number;

  /** Runs with a known duration (finished ones). */
  @Column({ name: 'duration_count', type: 'integer' })
  durationCount!: number;

  @Column({ name: 'duration_sum_ms', type: 'double precision', nullable: true })
  durationSumMs!: number | null;

  @Column({ name: 'duration_avg_ms', type: 'double precision', nullable: true })
  durationAvgMs!: number | null;

  @Column({ name: 'duration_min_ms', type: 'double precision', nullable: true })
  durationMinMs!: number | null;

  @Column({ name: 'duration_max_ms', type: 'double precision', nullable: true })
  durationMaxMs!: number | null;

  /** Exact (percentile_cont) for this hour. */
  @Column({ name: 'duration_p50_ms', type: 'double precision', nullable: true })
  durationP50Ms!: number | null;

  @Column({ name: 'duration_p95_ms', type: 'double precision', nullable: true })
  durationP95Ms!: number | null;

  @Column({ name: 'duration_p99_ms', type: 'double precision', nullable: true })
  durationP99Ms!: number | null;

  /** `{ "bucket": count }` over log-scale buckets (see duration-histogram.ts), mergeable across hours. */
  @Column({ name: 'duration_histogram', type: 'jsonb' })
  durationHistogram!: Record<string, number>;

  @Column({ name: 'unique_users', type: 'integer' })
  uniqueUsers!: number;

  @Column({ name: 'input_tokens', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  inputTokens!: number | null;

  @Column({ name: 'output_tokens', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  outputTokens!: number | null;

  @Column({ name: 'cache_read_tokens', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  cacheReadTokens!: number | null;

  @Column({ name: 'cache_write_tokens', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  cacheWriteTokens!: number | null;

  @Column({ name: 'reasoning_tokens', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  reasoningTokens!: number | null;

  /** Exact decimal string. */
  @Column({ name: 'cost_usd', type: 'numeric', precision: 30, scale: 10, nullable: true })
  costUsd!: string | null;

  /** Failed runs by error type: `{ "TimeoutError": 3 }` (`unknown` for failures without a type). */
  @Column({ name: 'error_counts', type: 'jsonb' })
  errorCounts!: Record<string, number>;

  /** Per business metric of the runs: `{ "name": { "count": n, "sum": x } }`. */
  @Column({ name: 'metrics', type: 'jsonb' })
  metrics!: Record<string, { count: number; sum: number }>;
}
