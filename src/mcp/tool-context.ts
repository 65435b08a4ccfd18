import type { DataSource } from 'typeorm';
import type { TenantRuns } from '../query/agent-run-repository';

/**
 * The repository methods the tools read through: the server is read-only, so recordOutcome, prices and repricing are
 * not among them.
 */
export type ReadOnlyRuns = Pick<
  TenantRuns,
  'history' | 'getRun' | 'sessions' | 'stats' | 'costBreakdown' | 'topErrors' | 'decisions' | 'decisionStats'
>;

/** What every tool reads through. */
export interface ToolContext {
  /** The tenant every tool is pinned to, if any. */
  readonly tenant: string | undefined;
  /** Where the data is, for the health tool: a URL with its password masked, or the embedded database's directory. */
  readonly where: string | undefined;
  /**
   * Runs one call's work with the repository (with a tenant, its view of that tenant) and its database. Rejects with
   * a DatabaseUnavailableError, before `work` runs, while the database cannot be opened.
   */
  read<T>(work: (runs: ReadOnlyRuns, dataSource: DataSource) => Promise<T>): Promise<T>;
}
