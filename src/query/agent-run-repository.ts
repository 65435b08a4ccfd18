import type { DataSource } from 'typeorm';
import { qualifiedTableName } from '../store/schema/table-names';
import { untraced } from '../internal/untraced';
import { AgentspanQueryError } from './agentspan-query-error';
import { recordDecisionOutcome } from './decision-outcome';
import { DECISION_VIEW_COLUMNS, toDecisionView } from './decision-view';
import { EXECUTION_VIEW_COLUMNS, toExecutionView } from './execution-view';
import { exactTimestampSql } from './exact-timestamp';
import { addRowsAfter, decodeCursor, splitPage } from './keyset-page';
import { RUN_TOTALS_COLUMNS, toRunTotals } from './performance-view';
import {
  checkTimeRange,
  jsonParameter,
  optionsObject,
  pageSize,
  requiredText,
  runId,
  statusFilter,
  textFilter,
  timeBound,
  unitInterval,
} from './query-arguments';
import type {
  CostBreakdownOptions,
  CostBreakdownResult,
  DecisionStatsOptions,
  DecisionStatsResult,
  ErrorGroup,
  StatsOptions,
  StatsResult,
  TopErrorsOptions,
} from './analytics-types';
import { queryCostBreakdown } from './cost-breakdown-query';
import { queryDecisionStats } from './decision-stats-query';
import { PriceCatalog } from './price-catalog';
import { readRunTree } from './run-tree-query';
import { queryStats } from './stats-query';
import { queryTopErrors } from './top-errors-query';
import { repriceStoredRuns, type RepriceResult } from '../store/maintenance/reprice-runs';
import { SqlConditions } from './sql-conditions';
import { numberOrNull } from './sql-values';
import { TenantRunView, type TenantRuns } from './tenant-runs';
import type {
  DecisionPage,
  DecisionQueryOptions,
  DecisionView,
  HistoryOptions,
  ModelPriceInput,
  ModelPriceView,
  OutcomeFeedback,
  RepriceOptions,
  RunPage,
  RunSummary,
  RunTree,
  TimeBound,
} from './types';

type Row = Record<string, unknown>;

const HISTORY_OPTIONS: readonly (keyof HistoryOptions)[] = [
  'agent',
  'status',
  'userId',
  'tenantId',
  'since',
  'until',
  'limit',
  'cursor',
];
const DECISION_OPTIONS: readonly (keyof DecisionQueryOptions)[] = [
  'agent',
  'tenantId',
  'minConfidence',
  'outcome',
  'since',
  'until',
  'limit',
  'cursor',
];
const REPRICE_OPTIONS: readonly (keyof RepriceOptions)[] = ['since', 'until'];

/**
 * Reads agent runs back: run history with keyset pagination, the latest run of an agent, whole run trees, decisions,
 * the decision feedback loop (recordOutcome), and analytics (stats, topErrors, costBreakdown, decisionStats);
 * forTenant gives the same methods limited to one tenant.
 *
 * Arguments are checked before any SQL runs (AgentspanQueryError); every value travels as a bind parameter; tables
 * are those of the DataSource's schema; every database call runs with tracing suppressed so a pg instrumentation
 * never traces agentspan's own queries.
 */
export class AgentRunRepository {
  private readonly executions: string;
  private readonly performance: string;
  private readonly decisionsTable: string;

  constructor(private readonly dataSource: DataSource) {
    this.executions = qualifiedTableName(dataSource, 'agent_executions');
    this.performance = qualifiedTableName(dataSource, 'agent_performance');
    this.decisionsTable = qualifiedTableName(dataSource, 'agent_decisions');
  }

  /**
   * This repository seen by one tenant: history, latest, getRun, decisions, recordOutcome and the analytics, each
   * limited to that tenant's rows (see TenantRuns). Throws AgentspanQueryError for an id that cannot be a stored
   * tenant id (empty, over 256 characters, NUL or a lone surrogate).
   */
  forTenant(tenantId: string): TenantRuns {
    return new TenantRunView(this, this.dataSource, tenantId);
  }

  /** Agent runs (executions of kind 'agent', nested ones included), newest first, one page at a time. */
  async history(options?: HistoryOptions): Promise<RunPage> {
    const method = 'history';
    const given = optionsObject<HistoryOptions>(method, 'options', options, HISTORY_OPTIONS);
    const limit = pageSize(method, given.limit);
    const agent = textFilter(method, 'agent', given.agent);
    const statuses = statusFilter(method, given.status);
    const userId = textFilter(method, 'userId', given.userId);
    const tenantId = textFilter(method, 'tenantId', given.tenantId);
    const since = timeBound(method, 'since', given.since);
    const until = timeBound(method, 'until', given.until);
    checkTimeRange(method, since, until);
    const after = given.cursor == null ? undefined : decodeCursor(method, 'runs', given.cursor);

    const where = new SqlConditions();
    where.add(`e.kind = 'agent'`);
    if (agent !== undefined) where.add(`e.agent_name = ${where.param(agent)}`);
    if (statuses !== undefined) where.add(`e.status = ANY(${where.param(statuses)}::text[])`);
    if (userId !== undefined) where.add(`e.user_id = ${where.param(userId)}`);
    if (tenantId !== undefined) where.add(`e.tenant_id = ${where.param(tenantId)}`);
    if (since !== undefined) where.add(`e.started_at >= ${where.param(since)}::timestamptz`);
    if (until !== undefined) where.add(`e.started_at < ${where.param(until)}::timestamptz`);
    if (after !== undefined) addRowsAfter(where, 'e.started_at', 'e.id', after);

    const rows = await this.query(
      `SELECT ${EXECUTION_VIEW_COLUMNS}, p.duration_ms AS "durationMs", ${RUN_TOTALS_COLUMNS},
              ${exactTimestampSql('e.started_at')} AS "cursorAt", e.id AS "cursorId"
       FROM ${this.executions} e LEFT JOIN ${this.performance} p ON p.execution_id = e.id
       ${where.toSql()}
       ORDER BY e.started_at DESC, e.id DESC
       LIMIT ${where.param(limit + 1)}`,
      where.parameters,
    );
    const page = splitPage('runs', rows as Array<Row & { cursorAt: unknown; cursorId: unknown }>, limit);
    return { runs: page.rows.map(toRunSummary), nextCursor: page.nextCursor };
  }

  /** The most recently started run of an agent, or null when it has none. */
  async latest(agent: string): Promise<RunSummary | null> {
    const page = await this.history({ agent: requiredText('latest', 'agent', agent), limit: 1 });
    return page.runs[0] ?? null;
  }

  /**
   * A run as a tree. `id` is a trace id (32 hex: every execution of the trace, roots being those whose parent is
   * not in the trace) or an execution id (uuid: that execution and everything below it). Null when nothing matches.
   * Three queries whatever the tree's size, on one snapshot (see readRunTree).
   */
  async getRun(id: string): Promise<RunTree | null> {
    return readRunTree(this.dataSource, runId('getRun', id));
  }

  /** Decisions, newest first, one page at a time. */
  async decisions(options?: DecisionQueryOptions): Promise<DecisionPage> {
    const method = 'decisions';
    const given = optionsObject<DecisionQueryOptions>(method, 'options', options, DECISION_OPTIONS);
    const limit = pageSize(method, given.limit);
    const agent = textFilter(method, 'agent', given.agent);
    const tenantId = textFilter(method, 'tenantId', given.tenantId);
    const minConfidence =
      given.minConfidence === undefined ? undefined : unitInterval(method, 'minConfidence', given.minConfidence);
    const since = timeBound(method, 'since', given.since);
    const until = timeBound(method, 'until', given.until);
    checkTimeRange(method, since, until);
    const after = given.cursor == null ? undefined : decodeCursor(method, 'decisions', given.cursor);

    const where = new SqlConditions();
    if (agent !== undefined) where.add(`d.agent_name = ${where.param(agent)}`);
    if (tenantId !== undefined) where.add(`e.tenant_id = ${where.param(tenantId)}`);
    if (minConfidence !== undefined) where.add(`d.confidence >= ${where.param(minConfidence)}`);
    if (given.outcome === 'recorded') where.add('d.outcome IS NOT NULL');
    else if (given.outcome === 'pending') where.add('d.outcome IS NULL');
    else if (given.outcome !== undefined) {
      where.add(`d.outcome = ${where.param(jsonParameter(method, 'outcome', given.outcome))}::jsonb`);
    }
    if (since !== undefined) where.add(`d.occurred_at >= ${where.param(since)}::timestamptz`);
    if (until !== undefined) where.add(`d.occurred_at < ${where.param(until)}::timestamptz`);
    if (after !== undefined) addRowsAfter(where, 'd.occurred_at', 'd.id', after);

    const rows = await this.query(
      `SELECT ${DECISION_VIEW_COLUMNS}, ${exactTimestampSql('d.occurred_at')} AS "cursorAt", d.id AS "cursorId"
       FROM ${this.decisionsTable} d JOIN ${this.executions} e ON e.id = d.execution_id
       ${where.toSql()}
       ORDER BY d.occurred_at DESC, d.id DESC
       LIMIT ${where.param(limit + 1)}`,
      where.parameters,
    );
    const page = splitPage('decisions', rows as Array<Row & { cursorAt: unknown; cursorId: unknown }>, limit);
    return { decisions: page.rows.map(toDecisionView), nextCursor: page.nextCursor };
  }

  /**
   * The feedback loop: records what came of a decision (any JSON value but null) and, optionally, a score from 0 to
   * 1. Recording again replaces both. Span writes never touch them. Throws AgentspanQueryError (code 'not-found')
   * for an unknown decision id.
   */
  async recordOutcome(decisionId: string, feedback: OutcomeFeedback): Promise<DecisionView> {
    return recordDecisionOutcome(this.dataSource, decisionId, feedback);
  }

  /**
   * Adds a list price (see PriceCatalog): spans written from then on are priced with it; stored costs change only
   * through repriceRuns. Throws AgentspanQueryError for a bad argument.
   */
  setModelPrice(price: ModelPriceInput): Promise<ModelPriceView> {
    return new PriceCatalog(this.dataSource).setModelPrice(price);
  }

  /** The prices valid at `at` (default now). */
  modelPrices(options?: { at?: TimeBound }): Promise<ModelPriceView[]> {
    return new PriceCatalog(this.dataSource).modelPrices(options);
  }

  /**
   * Prices the stored LLM calls that started in [since, until) again from the price table as it is now, and
   * recomputes the totals of their runs. Costs that were provided are never changed.
   */
  async repriceRuns(options: RepriceOptions): Promise<RepriceResult> {
    const method = 'repriceRuns';
    const given = optionsObject<RepriceOptions>(method, 'options', options, REPRICE_OPTIONS);
    const since = timeBound(method, 'since', given.since);
    if (since === undefined) throw new AgentspanQueryError(`${method}: since is required`);
    const until = timeBound(method, 'until', given.until) ?? new Date().toISOString();
    checkTimeRange(method, since, until);
    return repriceStoredRuns(this.dataSource, since, until);
  }

  /**
   * Counts, success rate, duration percentiles (p50, p95, p99), tokens, cost and business metrics per agent, model,
   * user, tenant, status, hour or day. Agent runs by default (LLM calls for groupBy model; `kind` chooses). Reads
   * the hourly rollups for long ranges (`source`, `rollupAfterHours`); the result says which it read.
   */
  stats(options: StatsOptions): Promise<StatsResult> {
    return queryStats(this.dataSource, options);
  }

  /** Failed executions grouped by error type and message, most frequent first, with their latest trace. */
  topErrors(options?: TopErrorsOptions): Promise<ErrorGroup[]> {
    return queryTopErrors(this.dataSource, options);
  }

  /** Cost and tokens per agent, model, user, tenant, hour or day, each token counted once, and what is unknown-cost. */
  costBreakdown(options: CostBreakdownOptions): Promise<CostBreakdownResult> {
    return queryCostBreakdown(this.dataSource, options);
  }

  /** Decisions by outcome, and confidence against outcome score (calibration). */
  decisionStats(options?: DecisionStatsOptions): Promise<DecisionStatsResult> {
    return queryDecisionStats(this.dataSource, options);
  }

  private query(sql: string, parameters: unknown[]): Promise<Row[]> {
    return untraced(() => this.dataSource.query(sql, parameters));
  }
}

function toRunSummary(row: Row): RunSummary {
  return { ...toExecutionView(row), durationMs: numberOrNull(row.durationMs), totals: toRunTotals(row) };
}
