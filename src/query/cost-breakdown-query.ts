import type { DataSource } from 'typeorm';
import { qualifiedTableName } from '../store/schema/table-names';
import { untraced } from '../internal/untraced';
import { AgentspanQueryError } from './agentspan-query-error';
import { analyticsFilters, ANALYTICS_FILTER_OPTIONS } from './analytics-arguments';
import { addAnalyticsFilters } from './analytics-filters';
import type { CostBreakdownOptions, CostBreakdownResult, CostFigures, CostGroup, CostGroupBy } from './analytics-types';
import { groupByArgument, isMetadataGroupBy, metadataKeySql } from './metadata-arguments';
import { optionsObject } from './query-arguments';
import { SqlConditions } from './sql-conditions';
import { numberOrNull } from './sql-values';
import { compareKeys, groupKey, tokenTotals } from './stats-group';
import { isTimeGrouping, timeBucketSql, withEmptyBuckets } from './time-buckets';

type Row = Record<string, unknown>;

const METHOD = 'costBreakdown';
const OPTIONS: readonly (keyof CostBreakdownOptions)[] = [...ANALYTICS_FILTER_OPTIONS, 'groupBy'];
/** The fixed groupings; `metadata.<key>` is the other kind. */
export const COST_GROUP_BY = [
  'agent',
  'model',
  'user',
  'tenant',
  'hour',
  'day',
  'session',
] as const satisfies readonly CostGroupBy[];

const KEY_SQL: Readonly<Record<(typeof COST_GROUP_BY)[number], string>> = {
  agent: 'e.agent_name',
  model: 'COALESCE(p.request_model, p.response_model)',
  user: 'e.user_id',
  tenant: 'e.tenant_id',
  hour: timeBucketSql('hour', 'e.started_at'),
  day: timeBucketSql('day', 'e.started_at'),
  session: 'e.session_id',
};

const TOKEN_COLUMNS = ['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens'];

/**
 * Cost and tokens per agent, model, user, tenant, hour, day, session or metadata key, and how much was used at an
 * unknown cost. Sums the executions' own figures (agent_performance.cost_usd and the token columns), never the agents'
 * subtree totals, so every token is counted once however agents nest; an execution is attributed to its own agent
 * name (the agent whose method made the call), model, user, tenant, session, metadata and start time (the context of
 * withAgentContext is on every span inside it, model calls included). Rows marked not counted (figures another span
 * of the same call reports) are left out, so a model call described by several spans is counted once.
 */
export async function queryCostBreakdown(
  dataSource: DataSource,
  options: CostBreakdownOptions,
): Promise<CostBreakdownResult> {
  if (options === undefined || options === null) {
    throw new AgentspanQueryError(`${METHOD}: options with a groupBy are required`);
  }
  const given = optionsObject<CostBreakdownOptions>(METHOD, 'options', options, OPTIONS);
  const groupBy: CostGroupBy = groupByArgument(METHOD, given.groupBy, COST_GROUP_BY);
  const filters = analyticsFilters(METHOD, given);
  const where = new SqlConditions();
  where.add(`p.cost_usd IS NOT NULL OR num_nonnulls(${TOKEN_COLUMNS.map((c) => `p.${c}`).join(', ')}) > 0`);
  // Figures another span already reports (a second span of one model call, a sum of the calls below) count once.
  where.add('p.counted');
  addAnalyticsFilters(where, filters, { time: 'e.started_at', allKinds: true });
  const key = isMetadataGroupBy(groupBy) ? metadataKeySql(groupBy, (value) => where.param(value)) : KEY_SQL[groupBy];
  const allTokens = TOKEN_COLUMNS.map((column) => `COALESCE(p.${column}, 0)`).join(' + ');
  const rows: Row[] = await untraced(() =>
    dataSource.query(
      // The total is summed from the groups' sums (exact: numeric and bigint), not by GROUPING SETS, which Citus
      // cannot run on distributed tables.
      `WITH groups AS (
         SELECT ${key} AS key, count(*) AS executions,
                sum(p.cost_usd) AS cost, sum(p.input_tokens) AS input, sum(p.output_tokens) AS output,
                sum(p.cache_read_tokens) AS cache_read, sum(p.cache_write_tokens) AS cache_write,
                sum(p.reasoning_tokens) AS reasoning,
                count(*) FILTER (WHERE p.cost_usd IS NULL) AS unknown_executions,
                COALESCE(sum(${allTokens}) FILTER (WHERE p.cost_usd IS NULL), 0) AS unknown_tokens
         FROM ${qualifiedTableName(dataSource, 'agent_executions')} e
           JOIN ${qualifiedTableName(dataSource, 'agent_performance')} p
             ON p.trace_id = e.trace_id AND p.execution_id = e.id
         ${where.toSql()}
         GROUP BY 1
       )
       SELECT key, false AS "isTotal", ${figureColumns((column) => column)} FROM groups
       UNION ALL
       SELECT NULL, true, ${figureColumns((column) => `sum(${column})`)} FROM groups`,
      where.parameters,
    ),
  );
  const totalRow = rows.find((row) => row.isTotal === true);
  const groups = rows
    .filter((row) => row.isTotal !== true)
    .map((row): CostGroup => {
      const group = groupKey(row.key, groupBy);
      return {
        key: group,
        bucketStart: isTimeGrouping(groupBy) && group !== null ? new Date(group) : null,
        ...figures(row),
      };
    });
  const { since, until } = filters;
  return {
    groupBy,
    since: since === undefined ? null : new Date(since),
    until: until === undefined ? null : new Date(until),
    groups: isTimeGrouping(groupBy)
      ? withEmptyBuckets(METHOD, groupBy, groups, filters, (bucket) => ({
          key: bucket,
          bucketStart: new Date(bucket),
          ...figures(undefined),
        }))
      : groups.sort((a, b) => (b.costUsd ?? -1) - (a.costUsd ?? -1) || compareKeys(a.key, b.key)),
    total: figures(totalRow),
  };
}

/** The figures of a row of `groups` as figures() reads them, each of its columns through `read` (the total: sum). */
function figureColumns(read: (column: string) => string): string {
  return `${read('executions')}::int AS executions, ${read('cost')}::text AS "costUsd",
          ${read('input')} AS "inputTokens", ${read('output')} AS "outputTokens",
          ${read('cache_read')} AS "cacheReadTokens", ${read('cache_write')} AS "cacheWriteTokens",
          ${read('reasoning')} AS "reasoningTokens", ${read('unknown_executions')}::int AS "unknownCostExecutions",
          ${read('unknown_tokens')} AS "unknownCostTokens"`;
}

/** A row's figures; no row (nothing in the range or bucket) is zero executions and nothing known. */
function figures(row: Row | undefined): CostFigures {
  if (row === undefined) {
    return {
      executions: 0,
      costUsd: null,
      tokens: { input: null, output: null, cacheRead: null, cacheWrite: null, reasoning: null },
      unknownCost: { executions: 0, tokens: 0 },
    };
  }
  return {
    executions: Number(row.executions),
    costUsd: numberOrNull(row.costUsd),
    tokens: tokenTotals(row),
    unknownCost: { executions: Number(row.unknownCostExecutions), tokens: Number(row.unknownCostTokens) },
  };
}
