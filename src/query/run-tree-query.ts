import type { DataSource, EntityManager } from 'typeorm';
import { qualifiedTableName } from '../store/schema/table-names';
import { untraced } from '../internal/untraced';
import { DECISION_VIEW_COLUMNS, toDecisionView } from './decision-view';
import { EVENT_VIEW_COLUMNS, toEventView } from './event-view';
import { EXECUTION_VIEW_COLUMNS, toExecutionView } from './execution-view';
import { exactTimestampSql } from './exact-timestamp';
import { PERFORMANCE_VIEW_COLUMNS, toPerformanceView } from './performance-view';
import type { RunId } from './query-arguments';
import { buildRunTree, type ExecutionWithPerformance } from './run-tree';
import type { DecisionView, EventView, RunTree } from './types';

type Row = Record<string, unknown>;
/** A whole trace, or the given executions of it. */
type DetailScope = { traceId: string; executionIds?: string[] };

/** The sort key of tree nodes (see ExecutionWithPerformance.startedAtExact). */
const EXACT_START = `${exactTimestampSql('e.started_at')} AS "startedAtExact"`;

/**
 * Reads a run tree: a whole trace (roots being the executions whose parent is not in it) or one execution and
 * everything below it. Three queries whatever the tree's size (executions with their performance, decisions,
 * events), in one REPEATABLE READ transaction: one snapshot, so the tree is consistent while spans are written.
 *
 * With a tenant, the tree is all or nothing: it is found only when every execution in it (the whole trace, or the
 * subtree) belongs to that tenant. A tree that also holds another tenant's rows, or rows of no tenant, is not found,
 * so a view never shows part of someone else's run, nor its totals.
 */
export async function readRunTree(dataSource: DataSource, target: RunId, tenantId?: string): Promise<RunTree | null> {
  const tables = {
    executions: qualifiedTableName(dataSource, 'agent_executions'),
    performance: qualifiedTableName(dataSource, 'agent_performance'),
    decisions: qualifiedTableName(dataSource, 'agent_decisions'),
    events: qualifiedTableName(dataSource, 'agent_events'),
  };
  return untraced(() =>
    dataSource.transaction('REPEATABLE READ', async (manager) => {
      const executions =
        target.kind === 'trace'
          ? await traceExecutions(manager, tables, target.traceId, tenantId)
          : await subtreeExecutions(manager, tables, target.executionId, tenantId);
      if (executions.length === 0) return null;
      const traceId = executions[0]!.execution.traceId;
      const scope: DetailScope =
        target.kind === 'trace'
          ? { traceId }
          : { traceId, executionIds: executions.map(({ execution }) => execution.executionId) };
      const [decisions, events] = await details(manager, tables, scope);
      const rootExecutionId = target.kind === 'execution' ? target.executionId : undefined;
      return {
        traceId: executions[0]!.execution.traceId,
        roots: buildRunTree(executions, decisions, events, rootExecutionId),
      };
    }),
  );
}

type Tables = Record<'executions' | 'performance' | 'decisions' | 'events', string>;

async function traceExecutions(
  manager: EntityManager,
  tables: Tables,
  traceId: string,
  tenantId: string | undefined,
): Promise<ExecutionWithPerformance[]> {
  // IS DISTINCT FROM: a row of no tenant is not this tenant's either.
  const tenantOnly =
    tenantId === undefined
      ? ''
      : `AND NOT EXISTS (SELECT 1 FROM ${tables.executions} x WHERE x.trace_id = $1 AND x.tenant_id IS DISTINCT FROM $2)`;
  const rows: Row[] = await manager.query(
    `SELECT ${EXECUTION_VIEW_COLUMNS}, ${PERFORMANCE_VIEW_COLUMNS}, ${EXACT_START}
     FROM ${tables.executions} e LEFT JOIN ${tables.performance} p ON p.trace_id = e.trace_id AND p.execution_id = e.id
     WHERE e.trace_id = $1 ${tenantOnly}`,
    tenantId === undefined ? [traceId] : [traceId, tenantId],
  );
  return rows.map(toExecutionWithPerformance);
}

/**
 * An execution and its descendants, walking down the (trace_id, parent_span_id) index. UNION (not UNION ALL)
 * drops a row already reached, so a cycle in corrupt parent links ends the walk.
 */
async function subtreeExecutions(
  manager: EntityManager,
  tables: Tables,
  executionId: string,
  tenantId: string | undefined,
): Promise<ExecutionWithPerformance[]> {
  // The execution's trace first: the walk then names it on every table it reads, which keeps it on one shard on
  // Citus (a recursive CTE runs nowhere else) and on one trace's index entries on one server.
  const [found] = (await manager.query(`SELECT trace_id FROM ${tables.executions} WHERE id = $1::uuid LIMIT 1`, [
    executionId,
  ])) as Array<{ trace_id: string }>;
  if (found === undefined) return [];
  const tenantOnly =
    tenantId === undefined
      ? ''
      : `WHERE NOT EXISTS (SELECT 1 FROM subtree s2 JOIN ${tables.executions} x
                             ON x.id = s2.id AND x.trace_id = s2.trace_id AND x.trace_id = $2
                           WHERE x.tenant_id IS DISTINCT FROM $3)`;
  const rows: Row[] = await manager.query(
    `WITH RECURSIVE subtree AS (
       SELECT id, trace_id, span_id FROM ${tables.executions} WHERE id = $1::uuid AND trace_id = $2
       UNION
       SELECT c.id, c.trace_id, c.span_id
       FROM subtree s JOIN ${tables.executions} c
         ON c.trace_id = s.trace_id AND c.parent_span_id = s.span_id AND c.trace_id = $2
     )
     SELECT ${EXECUTION_VIEW_COLUMNS}, ${PERFORMANCE_VIEW_COLUMNS}, ${EXACT_START}
     FROM subtree s
       JOIN ${tables.executions} e ON e.id = s.id AND e.trace_id = s.trace_id AND e.trace_id = $2
       LEFT JOIN ${tables.performance} p ON p.trace_id = e.trace_id AND p.execution_id = e.id AND p.trace_id = $2
     ${tenantOnly}`,
    tenantId === undefined ? [executionId, found.trace_id] : [executionId, found.trace_id, tenantId],
  );
  return rows.map(toExecutionWithPerformance);
}

/** The decisions and events of a whole trace, or of the given executions. */
async function details(
  manager: EntityManager,
  tables: Tables,
  scope: DetailScope,
): Promise<[DecisionView[], EventView[]]> {
  const match = (alias: string) =>
    scope.executionIds === undefined
      ? `${alias}.trace_id = $1`
      : `${alias}.trace_id = $1 AND ${alias}.execution_id = ANY($2::uuid[])`;
  const parameters = scope.executionIds === undefined ? [scope.traceId] : [scope.traceId, scope.executionIds];
  const decisionRows: Row[] = await manager.query(
    `SELECT ${DECISION_VIEW_COLUMNS}
     FROM ${tables.decisions} d JOIN ${tables.executions} e ON e.trace_id = d.trace_id AND e.id = d.execution_id
     WHERE ${match('d')}`,
    parameters,
  );
  const eventRows: Row[] = await manager.query(
    `SELECT ${EVENT_VIEW_COLUMNS} FROM ${tables.events} v WHERE ${match('v')}`,
    parameters,
  );
  return [decisionRows.map(toDecisionView), eventRows.map(toEventView)];
}

function toExecutionWithPerformance(row: Row): ExecutionWithPerformance {
  const execution = toExecutionView(row);
  return {
    execution,
    performance: toPerformanceView(row, execution.kind === 'agent'),
    startedAtExact: String(row.startedAtExact),
  };
}
