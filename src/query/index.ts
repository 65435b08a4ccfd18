/** The query side: reading agent runs, run trees and decisions back, and the decision feedback loop. */
export { AgentRunRepository, type TenantRuns, type TenantScopedMethod } from './agent-run-repository';
export { PriceCatalog } from './price-catalog';
export type { RepriceResult } from '../store/maintenance/reprice-runs';
export { AgentspanQueryError, type AgentspanQueryErrorCode } from './agentspan-query-error';
export type * from './types';
export type * from './analytics-types';
export type * from './run-filter-types';
export type * from './session-types';
export type * from './watch/watch-types';
