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
import type { EventLevel } from '../../../model/records';
import type { AgentExecution } from './agent-execution.entity';

/** A log line or span event (exceptions included) of an execution. Idempotent on (traceId, spanId, ordinal). */
@Entity({ name: 'agent_events' })
@Unique('uq_agent_events_span_ordinal', ['traceId', 'spanId', 'ordinal'])
@Check('chk_agent_events_level', `level IN ('debug', 'info', 'warn', 'error')`)
@Index('idx_agent_events_execution', ['executionId'])
export class AgentEvent {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'pk_agent_events' })
  id!: string;

  @Column({ name: 'execution_id', type: 'uuid' })
  executionId!: string;

  @ManyToOne('AgentExecution', (execution: AgentExecution) => execution.events, { createForeignKeyConstraints: false })
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
    primaryKeyConstraintName: 'pk_agent_events',
  })
  traceId!: string;

  @Column({ name: 'span_id', type: 'varchar', length: 16, collation: 'C' })
  spanId!: string;

  @Column({ name: 'ordinal', type: 'integer' })
  ordinal!: number;

  @Column({ name: 'level', type: 'varchar', length: 8 })
  level!: EventLevel;

  @Column({ name: 'message', type: 'text' })
  message!: string;

  @Column({ name: 'attributes', type: 'jsonb', nullable: true })
  attributes!: Record<string, unknown> | null;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
