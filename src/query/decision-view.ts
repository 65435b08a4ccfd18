import { dateOf, jsonOf, numberOrNull, stringOrNull } from './sql-values';
import type { DecisionView } from './types';

/**
 * The SELECT list of a DecisionView over agent_decisions `d` joined to its execution `e`. The decision's own
 * agent_name is what the agent filter uses (it is indexed); the execution's fills in when the decision has none.
 */
export const DECISION_VIEW_COLUMNS = `
  d.id AS "decisionId", d.execution_id AS "executionId", d.trace_id AS "traceId", d.span_id AS "spanId",
  d.ordinal AS "ordinal", COALESCE(d.agent_name, e.agent_name) AS "agentName", d.name AS "name",
  d.choice::text AS "choice", d.alternatives::text AS "alternatives", d.reasoning AS "reasoning",
  d.confidence AS "confidence", d.context::text AS "context", d.outcome::text AS "outcome",
  d.outcome_score AS "outcomeScore", d.occurred_at AS "occurredAt"`;

export function toDecisionView(row: Record<string, unknown>): DecisionView {
  return {
    decisionId: String(row.decisionId),
    executionId: String(row.executionId),
    traceId: String(row.traceId),
    spanId: String(row.spanId),
    ordinal: Number(row.ordinal),
    agentName: stringOrNull(row.agentName),
    name: String(row.name),
    choice: jsonOf(row.choice),
    alternatives: jsonOf(row.alternatives),
    reasoning: stringOrNull(row.reasoning),
    confidence: numberOrNull(row.confidence),
    context: jsonOf(row.context),
    outcome: jsonOf(row.outcome),
    outcomeScore: numberOrNull(row.outcomeScore),
    occurredAt: dateOf(row.occurredAt),
  };
}
