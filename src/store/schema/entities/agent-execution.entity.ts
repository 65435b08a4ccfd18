import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  OneToMany,
  OneToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import type { ExecutionKind, ExecutionStatus } from '../../../model/records';
import { AgentDecision } from './agent-decision.entity';
import { AgentEvent } from './agent-event.entity';
import { AgentPerformance } from './agent-performance.entity';

/**
 * One row per recorded span (agent run, task, tool call, LLM call, decision). Idempotent on (traceId, spanId).
 * A "run" of an agent is a row with kind 'agent'; the run indexes are partial on that so the much more numerous
 * tool and LLM rows do not pay for them on every insert (queries for runs must say `kind = 'agent'`).
 * Names and definitions mirror migrations/ exactly (synchronize is never used).
 */
@Entity({ name: 'agent_executions' })
@Unique('uq_agent_executions_span', ['traceId', 'spanId'])
@Check('chk_agent_executions_kind', `kind IN ('agent', 'task', 'tool', 'llm', 'decision', 'other')`)
@Check(
  'chk_agent_executions_status',
  `status IN ('running', 'completed', 'failed', 'cancelled', 'abandoned')`,
)
@Check('chk_agent_executions_quality_score', 'quality_score >= 0 AND quality_score <= 100')
@Index('idx_agent_executions_started', ['startedAt', 'id'], { where: `kind = 'agent'` })
@Index('idx_agent_executions_agent_started', ['agentName', 'startedAt'], { where: `kind = 'agent'` })
@Index('idx_agent_executions_status_started', ['status', 'startedAt'], { where: `kind = 'agent'` })
@Index('idx_agent_executions_user_started', ['userId', 'startedAt'], {
  where: `kind = 'agent' AND user_id IS NOT NULL`,
})
@Index('idx_agent_executions_tenant_started', ['tenantId', 'startedAt'], {
  where: `kind = 'agent' AND tenant_id IS NOT NULL`,
})
@Index('idx_agent_executions_running', ['startedAt'], { where: `status = 'running'` })
@Index('idx_agent_executions_parent', ['traceId', 'parentSpanId'], { where: 'parent_span_id IS NOT NULL' })
// For the hourly rollups: agent rows changed since the last refresh.
@Index('idx_agent_executions_agent_updated', ['updatedAt'], { where: `kind = 'agent'` })
// BRIN, which TypeORM cannot describe: created by its migration, left alone by schema sync (see pruneRuns).
@Index('idx_agent_executions_created_brin', { synchronize: false })
export class AgentExecution {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_agent_executions' })
  id!: string;

  @Column({ name: 'trace_id', type: 'varchar', length: 32, collation: 'C' })
  traceId!: string;

  @Column({ name: 'span_id', type: 'varchar', length: 16, collation: 'C' })
  spanId!: string;

  @Column({ name: 'parent_span_id', type: 'varchar', length: 16, collation: 'C', nullable: true })
  parentSpanId!: string | null;

  @Column({ name: 'kind', type: 'varchar', length: 16 })
  kind!: ExecutionKind;

  @Column({ name: 'name', type: 'varchar', length: 1024 })
  name!: string;

  @Column({ name: 'agent_name', type: 'varchar', length: 256, nullable: true })
  agentName!: string | null;

  @Column({ name: 'agent_version', type: 'varchar', length: 128, nullable: true })
  agentVersion!: string | null;

  @Column({ name: 'status', type: 'varchar', length: 16 })
  status!: ExecutionStatus;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  @Column({ name: 'error_type', type: 'varchar', length: 256, nullable: true })
  errorType!: string | null;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  @Column({ name: 'input', type: 'jsonb', nullable: true })
  input!: unknown;

  @Column({ name: 'output', type: 'jsonb', nullable: true })
  output!: unknown;

  /** 0–100 */
  @Column({ name: 'quality_score', type: 'double precision', nullable: true })
  qualityScore!: number | null;

  @Column({ name: 'user_id', type: 'varchar', length: 256, nullable: true })
  userId!: string | null;

  @Column({ name: 'session_id', type: 'varchar', length: 256, nullable: true })
  sessionId!: string | null;

  @Column({ name: 'tenant_id', type: 'varchar', length: 256, nullable: true })
  tenantId!: string | null;

  @Column({ name: 'conversation_id', type: 'varchar', length: 256, nullable: true })
  conversationId!: string | null;

  @Column({ name: 'metadata', type: 'jsonb', nullable: true })
  metadata!: Record<string, unknown> | null;

  @Column({ name: 'service_name', type: 'varchar', length: 256, nullable: true })
  serviceName!: string | null;

  /** Business metrics (recordMetrics): an object of numbers, null when none were recorded. */
  @Column({ name: 'metrics', type: 'jsonb', nullable: true })
  metrics!: Record<string, number> | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @OneToOne(() => AgentPerformance, (performance) => performance.execution)
  performance?: Relation<AgentPerformance> | null;

  @OneToMany(() => AgentDecision, (decision) => decision.execution)
  decisions?: Relation<AgentDecision>[];

  @OneToMany(() => AgentEvent, (event) => event.execution)
  events?: Relation<AgentEvent>[];
}
