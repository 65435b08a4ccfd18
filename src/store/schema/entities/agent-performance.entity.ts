import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  OneToOne,
  PrimaryColumn,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import type { CostSource, UsageSource } from '../../../model/records';
import type { AgentExecution } from './agent-execution.entity';
import { bigintAsNumber } from './bigint-number.transformer';

/**
 * 1:1 with an execution: its own duration, model, tokens and cost; on agent rows also the totals of the whole
 * subtree (the agent itself and every span below it, nested agents included), recomputed by the writer after each
 * write. Token buckets are disjoint; null means unknown. Costs are exact numerics and arrive as strings.
 */
@Entity({ name: 'agent_performance' })
@Check(
  'chk_agent_performance_tokens',
  'input_tokens >= 0 AND output_tokens >= 0 AND cache_read_tokens >= 0 AND cache_write_tokens >= 0 AND reasoning_tokens >= 0',
)
@Check('chk_agent_performance_cost_source', `cost_source IN ('provided', 'calculated', 'unknown')`)
@Check('chk_agent_performance_usage_source', `usage_source IN ('provided', 'estimated')`)
// For the hourly rollups: agents whose subtree totals changed since the last refresh (only agents have totals).
@Index('idx_agent_performance_totals_updated', ['updatedAt'], { where: 'llm_call_count IS NOT NULL' })
export class AgentPerformance {
  /** Its execution's trace, in the key so a run's rows share a shard when distributed. */
  @PrimaryColumn({
    name: 'trace_id',
    type: 'varchar',
    length: 32,
    collation: 'C',
    primaryKeyConstraintName: 'pk_agent_performance',
  })
  traceId!: string;

  /** The execution this row belongs to: one performance row per execution. */
  @PrimaryColumn({ name: 'execution_id', type: 'uuid', primaryKeyConstraintName: 'pk_agent_performance' })
  executionId!: string;

  @OneToOne('AgentExecution', (execution: AgentExecution) => execution.performance, {
    createForeignKeyConstraints: false,
  })
  @JoinColumn([
    { name: 'trace_id', referencedColumnName: 'traceId' },
    { name: 'execution_id', referencedColumnName: 'id' },
  ])
  execution?: Relation<AgentExecution>;

  @Column({ name: 'duration_ms', type: 'double precision', nullable: true })
  durationMs!: number | null;

  @Column({ name: 'provider', type: 'varchar', length: 128, nullable: true })
  provider!: string | null;

  @Column({ name: 'request_model', type: 'varchar', length: 256, nullable: true })
  requestModel!: string | null;

  @Column({ name: 'response_model', type: 'varchar', length: 256, nullable: true })
  responseModel!: string | null;

  @Column({ name: 'input_tokens', type: 'integer', nullable: true })
  inputTokens!: number | null;

  @Column({ name: 'output_tokens', type: 'integer', nullable: true })
  outputTokens!: number | null;

  @Column({ name: 'cache_read_tokens', type: 'integer', nullable: true })
  cacheReadTokens!: number | null;

  @Column({ name: 'cache_write_tokens', type: 'integer', nullable: true })
  cacheWriteTokens!: number | null;

  @Column({ name: 'reasoning_tokens', type: 'integer', nullable: true })
  reasoningTokens!: number | null;

  /** Exact decimal string. */
  @Column({ name: 'cost_usd', type: 'numeric', precision: 20, scale: 10, nullable: true })
  costUsd!: string | null;

  @Column({ name: 'cost_source', type: 'varchar', length: 16, default: 'unknown' })
  costSource!: CostSource;

  /** Where the token figures came from; null when none is known. */
  @Column({ name: 'usage_source', type: 'varchar', length: 16, nullable: true })
  usageSource!: UsageSource | null;

  /** The model_prices row a calculated cost came from. */
  @Column({ name: 'price_id', type: 'integer', nullable: true })
  priceId!: number | null;

  /**
   * False when another span already reports these figures (a second span of the same model call, or a span of another
   * instrumentation whose usage sums the calls below it): kept, but left out of every sum and call count.
   */
  @Column({ name: 'counted', type: 'boolean', default: true })
  counted!: boolean;

  @Column({ name: 'total_input_tokens', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  totalInputTokens!: number | null;

  @Column({ name: 'total_output_tokens', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  totalOutputTokens!: number | null;

  @Column({ name: 'total_cache_read_tokens', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  totalCacheReadTokens!: number | null;

  @Column({ name: 'total_cache_write_tokens', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  totalCacheWriteTokens!: number | null;

  @Column({ name: 'total_reasoning_tokens', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  totalReasoningTokens!: number | null;

  /** Exact decimal string. */
  @Column({ name: 'total_cost_usd', type: 'numeric', precision: 24, scale: 10, nullable: true })
  totalCostUsd!: string | null;

  @Column({ name: 'llm_call_count', type: 'integer', nullable: true })
  llmCallCount!: number | null;

  @Column({ name: 'tool_call_count', type: 'integer', nullable: true })
  toolCallCount!: number | null;

  @Column({ name: 'error_count', type: 'integer', nullable: true })
  errorCount!: number | null;

  /** On agent rows: LLM calls of the subtree whose cost is unknown (their cost is missing from totalCostUsd). */
  @Column({ name: 'unknown_cost_count', type: 'integer', nullable: true })
  unknownCostCount!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
