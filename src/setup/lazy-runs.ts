import type { AgentRunRepository } from '../query/agent-run-repository';

/** The query API of startAgentTelemetry: AgentRunRepository's methods. */
export type Runs = Pick<
  AgentRunRepository,
  | 'history'
  | 'latest'
  | 'getRun'
  | 'decisions'
  | 'recordOutcome'
  | 'stats'
  | 'topErrors'
  | 'costBreakdown'
  | 'decisionStats'
  | 'setModelPrice'
  | 'modelPrices'
  | 'repriceRuns'
>;

type Method<K extends keyof Runs> = Runs[K];

/**
 * The repository behind startAgentTelemetry's `runs`: the database is opened on first use (it may not have been
 * reachable at start), and a query made while it is still down fails with the reason instead of hanging.
 */
export class LazyRuns implements Runs {
  constructor(private readonly repository: () => Promise<AgentRunRepository>) {}

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
