import type { EventRecord, ExecutionRecord } from '../../model/records';
import { columnsOf, type WrittenColumn } from './column';

/**
 * The columns of agent_events, in the order of the COPY column list, after `id` and `execution_id`. The row's key is
 * (trace_id, span_id, ordinal); trace_id and span_id are its execution's.
 */

const column = columnsOf<[EventRecord, ExecutionRecord]>();

const KEY_OF_EXECUTION = { merge: 'key', fromParent: true } as const;

export const EVENT_COLUMNS: readonly WrittenColumn<[EventRecord, ExecutionRecord]>[] = [
  column('trace_id', 'text', (_, e) => e.traceId, KEY_OF_EXECUTION),
  column('span_id', 'text', (_, e) => e.spanId, KEY_OF_EXECUTION),
  column('ordinal', 'int4', (v) => v.ordinal, { merge: 'key' }),
  column('level', 'text', (v) => v.level),
  column('message', 'text', (v) => v.message),
  column('attributes', 'jsonb', (v) => v.attributes),
  column('occurred_at', 'timestamptz', (v) => v.occurredAt),
];
