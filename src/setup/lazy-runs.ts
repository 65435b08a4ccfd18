import type { AgentRunRepository } from '../query/agent-run-repository';
import { tenantArgument, type TenantRuns, type TenantScopedMethod } from '../query/tenant-runs';

/** The query API of startAgentTelemetry: AgentRunRepository's methods (those of a tenant view, and the price ones). */
export type Runs = Pick<AgentRunRepository, TenantScopedMethod | 'forTenant' | 'setModelPrice' | 'modelPrices' | 'repriceRuns'>;

type Method<K extends keyof Runs> = Runs[K];
type TenantMethod<K extends keyof TenantRuns> = TenantRuns[K];

/**
 * The repository behind startAgentTelemetry's `runs`: the database is opened on first use (it may not have been
 * reachable at start), and a query made while it is still down fails with the reason instead of hanging.
 */
export class LazyRuns implements Runs {
  constructor(private readonly repository: () => Promise<AgentRunRepository>) {}

  /** The tenant id is checked now (AgentspanQueryError), not at the first query. */
  forTenant: Method<'forTenant'> = (tenantId) => new LazyTenantRuns(tenantArgument('forTenant', tenantId), this.repository);
  history: Method<'history'> = async (...args) => (await this.repository()).history(...args);
  latest: Method<'latest'> = async (...args) => (await this.repository()).latest(...args);
  getRun: Method<'getRun'> = async (...args) => (await this.repository()).getRun(...args);
  decisions: Method<'decisions'> = async (...args) => (await this.repository()).decisions(...args);
  recordOutcome: Method<'recordOutcome'> = async (...args) => (await this.repository()).recordOutcome(...args);
  setModelPrice: Method<'setModelPrice'> = async (...args) => (await this.repository()).setModelPrice(...args);
  modelPrices: Method<'modelPrices'> = async (...args) => (await this.repository()).modelPrices(...args);
  repriceRuns: Method<'repriceRuns'> = async (...args) => (await this.repository()).repriceRuns(...args);
  stats: Method<'stats'> = async (...args) => (await this.repository()).stats(...args);
  topErrors: Method<'topErrors'> = async (...args) => (await this.repository()).topErrors(...args);
  costBreakdown: Method<'costBreakdown'> = async (...args) => (await this.repository()).costBreakdown(...args);
  decisionStats: Method<'decisionStats'> = async (...args) => (await this.repository()).decisionStats(...args);
}

/** forTenant of LazyRuns: the repository's tenant view, opened on first use like the repository itself. */
class LazyTenantRuns implements TenantRuns {
  constructor(
    readonly tenantId: string,
    private readonly repository: () => Promise<AgentRunRepository>,
  ) {}

  private async view(): Promise<TenantRuns> {
    return (await this.repository()).forTenant(this.tenantId);
  }

  history: TenantMethod<'history'> = async (...args) => (await this.view()).history(...args);
  latest: TenantMethod<'latest'> = async (...args) => (await this.view()).latest(...args);
  getRun: TenantMethod<'getRun'> = async (...args) => (await this.view()).getRun(...args);
  decisions: TenantMethod<'decisions'> = async (...args) => (await this.view()).decisions(...args);
  recordOutcome: TenantMethod<'recordOutcome'> = async (...args) => (await this.view()).recordOutcome(...args);
  stats: TenantMethod<'stats'> = async (...args) => (await this.view()).stats(...args);
  topErrors: TenantMethod<'topErrors'> = async (...args) => (await this.view()).topErrors(...args);
  costBreakdown: TenantMethod<'costBreakdown'> = async (...args) => (await this.view()).costBreakdown(...args);
  decisionStats: TenantMethod<'decisionStats'> = async (...args) => (await this.view()).decisionStats(...args);
}
