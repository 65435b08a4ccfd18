import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  Unique,
  type Relation,
} from 'typeorm';
import type { AgentExecution } from './agent-execution.entity';

/**
 * A decision taken inside a span: the decision point, the choice, the alternatives, the reasoning and a confidence.
 * Idempotent on (traceId, spanId, ordinal). Outcome and outcome score are filled later by the feedback loop and are
 * never touched by span writes.
 */
@Entity({ name: 'agent_decisions' })
@Unique('uq_agent_decisions_span_ordinal', ['traceId', 'spanId', 'ordinal'])
@Check('chk_agent_decisions_confidence', 'confidence >= 0 AND confidence <= 1')
@Index('idx_agent_decisions_execution', ['executionId'])
@Index('idx_agent_decisions_agent_confidence', ['agentName', 'confidence'])
@Index('idx_agent_decisions_occurred', ['occurredAt', 'id'])
@Index('idx_agent_decisions_agent_occurred', ['agentName', 'occurredAt'])
export class AgentDecision {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_agent_decisions' })
  id!: string;

  @Column({ name: 'execution_id', type: 'uuid' })
  executionId!: string;

  @ManyToOne('AgentExecution', (execution: AgentExecution) => execution.decisions, {
    createForeignKeyConstraints: false,
  })
  @JoinColumn([
    { name: 'trace_id', referencedColumnName: 'traceId' },
    { name: 'execution_id', referencedColumnName: 'id' },
  ])
  execution?: Relation<AgentExecution>;

  // In the key, so a run's rows share a shard when distributed (see TraceIdInEveryKey).
  @PrimaryColumn({
    name: 'trace_id',
    type: 'varchar',
    length: 32,
    collation: 'C',
    primaryKeyConstraintName: 'pk_agent_decisions',
  })
  traceId!: string;

  @Column({ name: 'span_id', type: 'varchar', length: 16, collation: 'C' })
  spanId!: string;

  @Column({ name: 'ordinal', type: 'integer' })
  ordinal!: number;

  @Column({ name: 'agent_name', type: 'varchar', length: 256, nullable: true })
  agentName!: string | null;

  @Column({ name: 'name', type: 'varchar', length: 256 })
  name!: string;

  @Column({ name: 'choice', type: 'jsonb', nullable: true })
  choice!: unknown;

  @Column({ name: 'alternatives', type: 'jsonb', nullable: true })
  alternatives!: unknown;

  @Column({ name: 'reasoning', type: 'text', nullable: true })
  reasoning!: string | null;

  /** 0–1 */
  @Column({ name: 'confidence', type: 'double precision', nullable: true })
  confidence!: number | null;

  @Column({ name: 'context', type: 'jsonb', nullable: true })
  context!: unknown;

  @Column({ name: 'outcome', type: 'jsonb', nullable: true })
  outcome!: unknown;

  @Column({ name: 'outcome_score', type: 'double precision', nullable: true })
  outcomeScore!: number | null;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
