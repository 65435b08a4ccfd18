import type { DataSource } from 'typeorm';
import { qualifiedTableName } from '../store/schema/table-names';
import { untraced } from '../internal/untraced';
import { AgentspanQueryError } from './agentspan-query-error';
import { DECISION_VIEW_COLUMNS, toDecisionView } from './decision-view';
import { jsonParameter, optionsObject, unitInterval, uuid } from './query-arguments';
import type { DecisionView, OutcomeFeedback } from './types';

const FEEDBACK_OPTIONS: readonly (keyof OutcomeFeedback)[] = ['outcome', 'score'];

/**
 * Records what came of a decision and, optionally, a score from 0 to 1 (recording again replaces both). With a
 * tenant, only a decision taken by an execution of that tenant is touched: another tenant's decision id is refused
 * exactly like an unknown one (code 'not-found'), so the answer says nothing about other tenants.
 */
export async function recordDecisionOutcome(
  dataSource: DataSource,
  decisionId: unknown,
  feedback: unknown,
  tenantId?: string,
): Promise<DecisionView> {
  const method = 'recordOutcome';
  const id = uuid(method, 'decisionId', decisionId);
  if (feedback === undefined || feedback === null) {
    throw new AgentspanQueryError(`${method}: feedback must be an object with an outcome, got ${feedback}`);
  }
  const given = optionsObject<OutcomeFeedback>(method, 'feedback', feedback, FEEDBACK_OPTIONS);
  const outcome = jsonParameter(method, 'outcome', given.outcome);
  const score = given.score === undefined || given.score === null ? null : unitInterval(method, 'score', given.score);

  const decisions = qualifiedTableName(dataSource, 'agent_decisions');
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const tenantOnly =
    tenantId === undefined
      ? ''
      : `AND EXISTS (SELECT 1 FROM ${executions} x WHERE x.trace_id = t.trace_id AND x.id = t.execution_id AND x.tenant_id = $4)`;
  const rows: Array<Record<string, unknown>> = await untraced(() =>
    dataSource.query(
      `WITH updated AS (
         UPDATE ${decisions} t SET outcome = $2::jsonb, outcome_score = $3::float8
         WHERE t.id = $1::uuid ${tenantOnly}
         RETURNING *
       )
       SELECT ${DECISION_VIEW_COLUMNS} FROM updated d JOIN ${executions} e ON e.trace_id = d.trace_id AND e.id = d.execution_id`,
      tenantId === undefined ? [id, outcome, score] : [id, outcome, score, tenantId],
    ),
  );
  const row = rows[0];
  if (row === undefined) throw new AgentspanQueryError(`${method}: no decision with id ${id}`, 'not-found');
  return toDecisionView(row);
}
