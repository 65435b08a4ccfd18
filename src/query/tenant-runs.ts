import type { DataSource } from 'typeorm';
import { tenantIdProblem, MAX_TENANT_ID_LENGTH } from '../internal/tenant-id';
import type { AgentRunRepository } from './agent-run-repository';
import { AgentspanQueryError } from './agentspan-query-error';
import { recordDecisionOutcome } from './decision-outcome';
import { describeValue, requiredText, runId } from './query-arguments';
import { readRunTree } from './run-tree-query';

/** The methods of a tenant view: every method that reads runs or decisions, or records an outcome. */
export type TenantScopedMethod =
  | 'history'
  | 'latest'
  | 'getRun'
  | 'decisions'
  | 'recordOutcome'
  | 'stats'
  | 'topErrors'
  | 'costBreakdown'
  | 'decisionStats';

/**
 * AgentRunRepository seen by one tenant (`forTenant(id)`): the same methods and options, each limited to rows whose
 * tenant_id is that id. Options may repeat the view's tenantId; another one is refused. A run tree is found only when
 * every execution in it is the tenant's; another tenant's decision id is "not found". Prices and repricing are not
 * here: they apply to every tenant.
 */
export type TenantRuns = Pick<AgentRunRepository, TenantScopedMethod> & { readonly tenantId: string };

export const TENANT_SCOPED_METHODS: readonly TenantScopedMethod[] = [
  'history',
  'latest',
  'getRun',
  'decisions',
  'recordOutcome',
  'stats',
  'topErrors',
  'costBreakdown',
  'decisionStats',
];

/** A tenant id a view can be made for: exactly as stored (see internal/tenant-id). */
export function tenantArgument(method: string, value: unknown): string {
  const problem = typeof value === 'string' ? tenantIdProblem(value) : 'is not a string';
  if (problem === undefined) return value as string;
  throw new AgentspanQueryError(
    `${method}: tenantId ${problem} (a tenant id is 1 to ${MAX_TENANT_ID_LENGTH} characters without NUL or lone ` +
      `surrogates), got ${describeValue(value)}`,
  );
}

/**
 * The view itself: a thin layer that adds the tenant to every query. history, decisions and the analytics take it as
 * their tenantId filter; getRun and recordOutcome, which take none, add it to their SQL.
 */
export class TenantRunView implements TenantRuns {
  readonly tenantId: string;

  constructor(
    private readonly repository: AgentRunRepository,
    private readonly dataSource: DataSource,
    tenantId: unknown,
  ) {
    this.tenantId = tenantArgument('forTenant', tenantId);
  }

  history: TenantRuns['history'] = async (options) => this.repository.history(this.scoped('history', options));

  latest: TenantRuns['latest'] = async (agent) => {
    const page = await this.history({ agent: requiredText('latest', 'agent', agent), limit: 1 });
    return page.runs[0] ?? null;
  };

  getRun: TenantRuns['getRun'] = async (id) => readRunTree(this.dataSource, runId('getRun', id), this.tenantId);

  decisions: TenantRuns['decisions'] = async (options) => this.repository.decisions(this.scoped('decisions', options));

  recordOutcome: TenantRuns['recordOutcome'] = async (decisionId, feedback) =>
    recordDecisionOutcome(this.dataSource, decisionId, feedback, this.tenantId);

  stats: TenantRuns['stats'] = async (options) => this.repository.stats(this.scoped('stats', options));

  topErrors: TenantRuns['topErrors'] = async (options) => this.repository.topErrors(this.scoped('topErrors', options));

  costBreakdown: TenantRuns['costBreakdown'] = async (options) =>
    this.repository.costBreakdown(this.scoped('costBreakdown', options));

  decisionStats: TenantRuns['decisionStats'] = async (options) =>
    this.repository.decisionStats(this.scoped('decisionStats', options));

  /** The options with the view's tenant; never without it, whatever was passed. */
  private scoped<T extends object>(method: string, options: T | undefined): T & { tenantId: string } {
    if (options === undefined || options === null) return { tenantId: this.tenantId } as T & { tenantId: string };
    if (typeof options !== 'object' || Array.isArray(options)) {
      throw new AgentspanQueryError(`${method}: options must be an object, got ${describeValue(options)}`);
    }
    const given: unknown = (options as { tenantId?: unknown }).tenantId;
    if (given !== undefined && given !== this.tenantId) {
      throw new AgentspanQueryError(
        `${method}: tenantId is ${describeValue(this.tenantId)} in this view (forTenant), got ${describeValue(given)}`,
      );
    }
    return { ...options, tenantId: this.tenantId };
  }
}
