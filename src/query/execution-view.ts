import type { ExecutionKind, ExecutionStatus } from '../model/records';
import { dateOf, dateOrNull, jsonObjectOrNull, jsonOf, numberOrNull, stringOrNull } from './sql-values';
import type { ExecutionView } from './types';

/**
 * The SELECT list of an ExecutionView over agent_executions aliased `e`. JSON columns travel as text (see jsonOf);
 * aliases are the camelCase field names the mapper reads.
 */
export const EXECUTION_VIEW_COLUMNS = `
  e.id AS "executionId", e.trace_id AS "traceId", e.span_id AS "spanId", e.parent_span_id AS "parentSpanId",
  e.kind AS "kind", e.name AS "name", e.agent_name AS "agentName", e.agent_version AS "agentVersion",
  e.status AS "status", e.started_at AS "startedAt", e.completed_at AS "completedAt",
  e.error_type AS "errorType", e.error_message AS "errorMessage", e.input::text AS "input",
  e.output::text AS "output", e.quality_score AS "qualityScore", e.user_id AS "userId",
  e.session_id AS "sessionId", e.tenant_id AS "tenantId", e.conversation_id AS "conversationId",
  e.metadata::text AS "metadata", e.service_name AS "serviceName", e.metrics::text AS "metrics"`;

export function toExecutionView(row: Record<string, unknown>): ExecutionView {
  return {
    executionId: String(row.executionId),
    traceId: String(row.traceId),
    spanId: String(row.spanId),
    parentSpanId: stringOrNull(row.parentSpanId),
    kind: row.kind as ExecutionKind,
    name: String(row.name),
    agentName: stringOrNull(row.agentName),
    agentVersion: stringOrNull(row.agentVersion),
    status: row.status as ExecutionStatus,
    startedAt: dateOf(row.startedAt),
    completedAt: dateOrNull(row.completedAt),
    errorType: stringOrNull(row.errorType),
    errorMessage: stringOrNull(row.errorMessage),
    input: jsonOf(row.input),
    output: jsonOf(row.output),
    qualityScore: numberOrNull(row.qualityScore),
    userId: stringOrNull(row.userId),
    sessionId: stringOrNull(row.sessionId),
    tenantId: stringOrNull(row.tenantId),
    conversationId: stringOrNull(row.conversationId),
    metadata: jsonObjectOrNull(row.metadata),
    serviceName: stringOrNull(row.serviceName),
    metrics: jsonObjectOrNull(row.metrics) as Record<string, number> | null,
  };
}
