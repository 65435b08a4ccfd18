import type { DecisionRecord, ExecutionRecord } from '../../model/records';
import { columnsOf, type WrittenColumn } from './column';

/**
 * The columns of agent_decisions, in the order of the COPY column list, after `id` and `execution_id`. The row's key
 * is (trace_id, span_id, ordinal); trace_id, span_id and agent_name are its execution's (read from the execution
 * record, and in the upsert from the execution's payload row).
 */

const column = columnsOf<[DecisionRecord, ExecutionRecord]>();

const KEY_OF_EXECUTION = { merge: 'key', fromParent: true } as const;

export const DECISION_COLUMNS: readonly WrittenColumn<[DecisionRecord, ExecutionRecord]>[] = [
  column('trace_id', 'text', (_, e) => e.traceId, KEY_OF_EXECUTION),
  column('span_id', 'text', (_, e) => e.spanId, KEY_OF_EXECUTION),
  column('ordinal', 'int4', (d) => d.ordinal, { merge: 'key' }),
  column('agent_name', 'text', (_, e) => e.agentName, { fromParent: true }),
  column('name', 'text', (d) => d.name),
  column('choice', 'jsonb', (d) => d.choice),
  column('alternatives', 'jsonb', (d) => d.alternatives),
  column('reasoning', 'text', (d) => d.reasoning),
  column('confidence', 'float8', (d) => d.confidence),
  column('context', 'jsonb', (d) => d.context),
  column('occurred_at', 'timestamptz', (d) => d.occurredAt),
];
