import type { DataSource } from 'typeorm';
import type { RepriceResult } from '../store/maintenance/reprice-runs';
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
import { recordDecisionOutcome } from './decision-outcome';
import { queryDecisionStats } from './decision-stats-query';
import { queryDecisions } from './decisions-query';
import { HISTORY_FILTER_OPTIONS, queryHistory } from './history-query';
import { PriceCatalog } from './price-catalog';
import { optionsObject, requiredText, runId, tenantArgument } from './query-arguments';
import { withTenant, type QueryScope } from './query-scope';
import { repriceRuns } from './reprice-runs';
import { readRunTree } from './run-tree-query';
import type { SessionOptions, SessionPage } from './session-types';
import { querySessions } from './sessions-query';
import { queryStats } from './stats-query';
import { tenantView } from './tenant-view';
import { queryTopErrors } from './top-errors-query';
import { watchRuns } from './watch/watch-runs';
import type { RunWatch, WatchOptions } from './watch/watch-types';
import type {
  DecisionPage,
  DecisionQueryOptions,
  DecisionView,
  HistoryOptions,
  LatestOptions,
  ModelPriceInput,
  ModelPriceView,
  OutcomeFeedback,
  RepriceOptions,
  RunPage,
  RunSummary,
  RunTree,
  TimeBound,
} from './types';

/**
 * Every public method, and whether a tenant view has it: 'tenant' for those that read runs or decisions or record an
 * outcome (forTenant limits them to the tenant's rows), 'every tenant' for prices, repricing and forTenant itself.
 * Wrappers (telemetry.runs, the tenant view) take their methods from here; the type check fails until a new method
 * is listed.
 */
const METHOD_SCOPES = {
  forTenant: 'every tenant',
  history: 'tenant',
  latest: 'tenant',
  sessions: 'tenant',
  getRun: 'tenant',
  decisions: 'tenant',
  recordOutcome: 'tenant',
  setModelPrice: 'every tenant',
  modelPrices: 'every tenant',
  repriceRuns: 'every tenant',
  stats: 'tenant',
  topErrors: 'tenant',
  costBreakdown: 'tenant',
  decisionStats: 'tenant',
  watch: 'tenant',
} as const satisfies Record<keyof AgentRunRepository, 'tenant' | 'every tenant'>;

type MethodScopes = typeof METHOD_SCOPES;

/** latest's filters: history's, but the agent (its first argument) and paging. */
const LATEST_OPTIONS = HISTORY_FILTER_OPTIONS.filter(
  (option): option is Exclude<(typeof HISTORY_FILTER_OPTIONS)[number], 'agent'> => option !== 'agent',
);

/** The public methods of AgentRunRepository. */
export type RepositoryMethod = keyof MethodScopes;

/** The methods of a tenant view: every method that reads runs or decisions, or records an outcome. */
export type TenantScopedMethod = {
  [K in RepositoryMethod]: MethodScopes[K] extends 'tenant' ? K : never;
}[RepositoryMethod];

export const REPOSITORY_METHODS = Object.keys(METHOD_SCOPES) as readonly RepositoryMethod[];

export const TENANT_SCOPED_METHODS: readonly TenantScopedMethod[] = REPOSITORY_METHODS.filter(
  (method): method is TenantScopedMethod => METHOD_SCOPES[method] === 'tenant',
);

/**
 * AgentRunRepository seen by one tenant (`forTenant(id)`): the same methods and options, each limited to rows whose
 * tenant_id is that id. Options may repeat the view's tenantId; another one is refused. A run tree is found only when
 * every execution in it is the tenant's; another tenant's decision id is "not found". Prices and repricing are not
 * here: they apply to every tenant.
 */
export type TenantRuns = Pick<AgentRunRepository, TenantScopedMethod> & { readonly tenantId: string };

/**
 * Reads agent runs back: run history with keyset pagination, the latest run of an agent, sessions, whole run trees,
 * decisions, the decision feedback loop (recordOutcome), and analytics (stats, topErrors, costBreakdown,
 * decisionStats); forTenant gives the same methods limited to one tenant. Every method that reads runs takes the run
 * filters (metadata, sessionId, conversationId, errorContains: RunContextFilters).
 *
 * Arguments are checked before any SQL runs (AgentspanQueryError); every value travels as a bind parameter; tables
 * are those of the DataSource's schema; every database call runs with tracing suppressed so a pg instrumentation
 * never traces agentspan's own queries. Each method is one query of this folder; the repository only adds its scope.
 */
export class AgentRunRepository {
  /** The database, and in the repository behind a tenant view the tenant every query is limited to. */
  #scope: QueryScope;

  constructor(dataSource: DataSource) {
    this.#scope = { dataSource };
  }

  /**
   * This repository seen by one tenant: history, latest, getRun, decisions, recordOutcome and the analytics, each
   * limited to that tenant's rows (see TenantRuns). Throws AgentspanQueryError for an id that cannot be a stored
   * tenant id (empty, over 256 characters, NUL or a lone surrogate).
   */
  forTenant(tenantId: string): TenantRuns {
    const checked = tenantArgument('forTenant', tenantId);
    const scoped = new AgentRunRepository(this.#scope.dataSource);
    scoped.#scope = { dataSource: this.#scope.dataSource, tenantId: checked };
    return tenantView(scoped, TENANT_SCOPED_METHODS, checked);
  }

  /** Agent runs (executions of kind 'agent', nested ones included), newest first, one page at a time. */
  async history(options?: HistoryOptions): Promise<RunPage> {
    return queryHistory(this.#scope.dataSource, withTenant(this.#scope, 'history', options));
  }

  /**
   * The most recently started run of an agent, or null when it has none; `filters` are history's (the latest run for
   * a repository: `latest('Reviewer', { metadata: { repo: 'acme/api' } })`).
   */
  async latest(agent: string, filters?: LatestOptions): Promise<RunSummary | null> {
    const checkedAgent = requiredText('latest', 'agent', agent);
    const given = optionsObject<LatestOptions>('latest', 'filters', filters, LATEST_OPTIONS);
    const options = withTenant(this.#scope, 'latest', { ...given, agent: checkedAgent, limit: 1 });
    const page = await queryHistory(this.#scope.dataSource, options, 'latest');
    return page.runs[0] ?? null;
  }

  /**
   * Sessions (the runs of one withAgentContext sessionId), newest first, a page at a time, each with its status
   * counts, duration, tokens and cost, and its newest runs. A session is listed when any of its runs matches the
   * filters; its figures are the whole session's.
   */
  async sessions(options?: SessionOptions): Promise<SessionPage> {
    return querySessions(this.#scope.dataSource, withTenant(this.#scope, 'sessions', options));
  }

  /**
   * A run as a tree. `id` is a trace id (32 hex: every execution of the trace, roots being those whose parent is
   * not in the trace) or an execution id (uuid: that execution and everything below it). Null when nothing matches.
   * Three queries whatever the tree's size, on one snapshot (see readRunTree).
   */
  async getRun(id: string): Promise<RunTree | null> {
    return readRunTree(this.#scope.dataSource, runId('getRun', id), this.#scope.tenantId);
  }

  /** Decisions, newest first, one page at a time. */
  async decisions(options?: DecisionQueryOptions): Promise<DecisionPage> {
    return queryDecisions(this.#scope.dataSource, withTenant(this.#scope, 'decisions', options));
  }

  /**
   * The feedback loop: records what came of a decision (any JSON value but null) and, optionally, a score from 0 to
   * 1. Recording again replaces both. Span writes never touch them. Throws AgentspanQueryError (code 'not-found')
   * for an unknown decision id.
   */
  async recordOutcome(decisionId: string, feedback: OutcomeFeedback): Promise<DecisionView> {
    return recordDecisionOutcome(this.#scope.dataSource, decisionId, feedback, this.#scope.tenantId);
  }

  /**
   * Adds a list price (see PriceCatalog): spans written from then on are priced with it; stored costs change only
   * through repriceRuns. Throws AgentspanQueryError for a bad argument.
   */
  async setModelPrice(price: ModelPriceInput): Promise<ModelPriceView> {
    return new PriceCatalog(this.#scope.dataSource).setModelPrice(price);
  }

  /** The prices valid at `at` (default now). */
  async modelPrices(options?: { at?: TimeBound }): Promise<ModelPriceView[]> {
    return new PriceCatalog(this.#scope.dataSource).modelPrices(options);
  }

  /**
   * Prices the stored LLM calls that started in [since, until) again from the price table as it is now, and
   * recomputes the totals of their runs. Costs that were provided are never changed.
   */
  async repriceRuns(options: RepriceOptions): Promise<RepriceResult> {
    return repriceRuns(this.#scope.dataSource, options);
  }

  /**
   * Counts, success rate, duration percentiles (p50, p95, p99), tokens, cost and business metrics per agent, model,
   * user, tenant, status, hour or day. Agent runs by default (LLM calls for groupBy model; `kind` chooses). Reads
   * the hourly rollups for long ranges (`source`, `rollupAfterHours`); the result says which it read.
   */
  async stats(options: StatsOptions): Promise<StatsResult> {
    return queryStats(this.#scope.dataSource, withTenant(this.#scope, 'stats', options));
  }

  /** Failed executions grouped by error type and message, most frequent first, with their latest trace. */
  async topErrors(options?: TopErrorsOptions): Promise<ErrorGroup[]> {
    return queryTopErrors(this.#scope.dataSource, withTenant(this.#scope, 'topErrors', options));
  }

  /** Cost and tokens per agent, model, user, tenant, hour or day, each token counted once, and what is unknown-cost. */
  async costBreakdown(options: CostBreakdownOptions): Promise<CostBreakdownResult> {
    return queryCostBreakdown(this.#scope.dataSource, withTenant(this.#scope, 'costBreakdown', options));
  }

  /** Decisions by outcome, and confidence against outcome score (calibration). */
  async decisionStats(options?: DecisionStatsOptions): Promise<DecisionStatsResult> {
    return queryDecisionStats(this.#scope.dataSource, withTenant(this.#scope, 'decisionStats', options));
  }

  /**
   * Run changes as their writes commit — started, a step finished (with the totals so far), ended — as an async
   * iterable: `for await (const change of runs.watch({ agent: 'Reviewer' }))`; `break` ends it (see RunWatch).
   */
  watch(options?: WatchOptions): RunWatch {
    return watchRuns(this.#scope.dataSource, withTenant(this.#scope, 'watch', options));
  }
}
