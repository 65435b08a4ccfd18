import type { DataSource } from 'typeorm';
import type {
  DecisionRecord,
  EventRecord,
  ExecutionRecord,
  ExecutionStatus,
  SpanRecord,
} from '../../src/model/records';
import { SpanWriter } from '../../src/store/write/span-writer';
import { finalSpan, newTraceId, runningSpan } from '../support/span-records';

/** Builders of agent runs for the query tests, on top of test/support/span-records. */

export interface AgentRunSpec {
  agentName: string;
  startedAt: Date;
  status?: ExecutionStatus;
  userId?: string | null;
  tenantId?: string | null;
  traceId?: string;
  parentSpanId?: string | null;
  execution?: Partial<ExecutionRecord>;
}

/** An agent execution record in the given state: running records have no end and no performance. */
export function agentRun(spec: AgentRunSpec): SpanRecord {
  const status = spec.status ?? 'completed';
  const execution: Partial<ExecutionRecord> = {
    agentName: spec.agentName,
    name: `invoke_agent ${spec.agentName}`,
    startedAt: spec.startedAt,
    completedAt: status === 'running' ? null : new Date(spec.startedAt.getTime() + 1000),
    userId: spec.userId === undefined ? 'user-1' : spec.userId,
    tenantId: spec.tenantId === undefined ? 'acme' : spec.tenantId,
    ...(status === 'failed' ? { errorType: 'TimeoutError', errorMessage: 'gave up' } : {}),
    ...spec.execution,
  };
  const options = {
    traceId: spec.traceId ?? newTraceId(),
    parentSpanId: spec.parentSpanId ?? null,
    kind: 'agent' as const,
  };
  if (status === 'running') return runningSpan({ ...options, execution });
  return finalSpan({ ...options, execution: { ...execution, status } });
}

export function decisionRecord(ordinal: number, overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    ordinal,
    name: 'choose_channel',
    choice: '"linkedin"',
    alternatives: '["linkedin","email"]',
    reasoning: 'B2B audience',
    confidence: 0.5,
    context: '{"budget":100}',
    occurredAt: new Date('2026-11-01T10:00:01.000Z'),
    ...overrides,
  };
}

export function eventRecord(ordinal: number, overrides: Partial<EventRecord> = {}): EventRecord {
  return {
    ordinal,
    level: 'info',
    message: `event ${ordinal}`,
    attributes: `{"ordinal":${ordinal}}`,
    occurredAt: new Date(Date.UTC(2026, 10, 1, 10, 0, 0, ordinal)),
    ...overrides,
  };
}

/** Writes records and fails the test if the database refused any of them. */
export async function seed(dataSource: DataSource, records: SpanRecord[]): Promise<void> {
  const result = await new SpanWriter(dataSource).write(records);
  if (result.rejected.length > 0) {
    throw new Error(`seed rejected: ${result.rejected.map((rejection) => rejection.reason).join('; ')}`);
  }
}

/** The stored execution id of each (traceId, spanId), keyed `traceId/spanId`. */
export async function executionIds(dataSource: DataSource, records: SpanRecord[]): Promise<Map<string, string>> {
  const rows: Array<{ id: string; trace_id: string; span_id: string }> = await dataSource.query(
    `SELECT id, trace_id, span_id FROM agent_executions
     WHERE (trace_id, span_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    [records.map((record) => record.execution.traceId), records.map((record) => record.execution.spanId)],
  );
  return new Map(rows.map((row) => [`${row.trace_id}/${row.span_id}`, row.id]));
}

export function keyOf(record: SpanRecord): string {
  return `${record.execution.traceId}/${record.execution.spanId}`;
}

/** PostgreSQL's uuid order is the order of the lowercase text, so ties can be modelled in JS. */
export function newestFirst<T extends { at: Date; id: string }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** What a promise rejected with, or undefined if it resolved: for asserting on the error itself. */
export function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}
