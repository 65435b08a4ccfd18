import {
  Check,
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
import type { ExecutionRecord } from '../../../model/records';
import { EXECUTION_COLUMNS } from '../execution-columns';
import { declareColumns } from './entity-columns';
import type { AgentDecision } from './agent-decision.entity';
import type { AgentEvent } from './agent-event.entity';
import type { AgentPerformance } from './agent-performance.entity';

/** Fields a loaded execution holds in another form than its record: times as Dates, JSON parsed. */
type ReadBackDifferently = 'startedAt' | 'completedAt' | 'input' | 'output' | 'metadata' | 'metrics';

/**
 * The columns of an execution, as TypeORM loads them: every record field (see EXECUTION_COLUMNS, which declares
 * them on the class below), times and JSON in their read form.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- TypeORM sets every column property
export interface AgentExecution extends Required<Omit<ExecutionRecord, ReadBackDifferently>> {
  startedAt: Date;
  completedAt: Date | null;
  input: unknown;
  output: unknown;
  metadata: Record<string, unknown> | null;
  /** Business metrics (recordMetrics): an object of numbers, null when none were recorded. */
  metrics: Record<string, number> | null;
}

/**
 * One row per recorded span (agent run, task, tool call, LLM call, decision). Idempotent on (traceId, spanId).
 * A "run" of an agent is a row with kind 'agent'; the run indexes are partial on that so the much more numerous
 * tool and LLM rows do not pay for them on every insert (queries for runs must say `kind = 'agent'`).
 * Names and definitions mirror migrations/ exactly (synchronize is never used); the columns filled from records
 * are declared from EXECUTION_COLUMNS, after the class.
 */
@Entity({ name: 'agent_executions' })
@Unique('uq_agent_executions_span', ['traceId', 'spanId'])
@Check('chk_agent_executions_kind', `kind IN ('agent', 'task', 'tool', 'llm', 'decision', 'other')`)
@Check('chk_agent_executions_status', `status IN ('running', 'completed', 'failed', 'cancelled', 'abandoned')`)
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
// GIN with jsonb_path_ops, which TypeORM cannot describe either (metadata containment): likewise left alone.
@Index('idx_agent_executions_metadata', { synchronize: false })
@Index('idx_agent_executions_session_started', ['sessionId', 'startedAt'], {
  where: `kind = 'agent' AND session_id IS NOT NULL`,
})
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface above
export class AgentExecution {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_agent_executions' })
  id!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  // Relation targets by entity name, so the entity files do not import each other in a circle.
  @OneToOne('AgentPerformance', (performance: AgentPerformance) => performance.execution)
  performance?: Relation<AgentPerformance> | null;

  @OneToMany('AgentDecision', (decision: AgentDecision) => decision.execution)
  decisions?: Relation<AgentDecision>[];

  @OneToMany('AgentEvent', (event: AgentEvent) => event.execution)
  events?: Relation<AgentEvent>[];
}

// In the key, so a run's rows share a shard when distributed (see TraceIdInEveryKey).
declareColumns(AgentExecution, EXECUTION_COLUMNS, { traceId: 'pk_agent_executions' });
