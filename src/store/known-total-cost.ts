/** The largest value agent_performance.total_cost_usd, numeric(24, 10), holds: where the writer caps a total. */
const TOTAL_COST_CAP = '99999999999999.9999999999';

/**
 * An agent's subtree cost as analytics may sum it: null when the stored total is the cap. A capped total is an
 * overflow, not a figure (the totals recompute caps a sum its column cannot hold rather than fail the batch); rows
 * written before the recompute kept an unknown total null also read the cap there.
 */
export function knownTotalCostSql(column: string): string {
  return `NULLIF(${column}, ${TOTAL_COST_CAP})`;
}
