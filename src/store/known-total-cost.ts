/** The largest value agent_performance.total_cost_usd, numeric(24, 10), holds: where the writer caps a total. */
const TOTAL_COST_CAP = '99999999999999.9999999999';

/**
 * An agent's subtree cost as analytics may sum it: null when the stored total is the cap. A capped total is an
 * overflow, not a figure; and the totals recompute (subtree-totals-sql.ts) writes `LEAST(sum(cost), cap)`, which is
 * the cap, not null, when no cost of the subtree is known (LEAST ignores NULL) — summing that would add 10^14 dollars
 * per run without a known cost.
 */
export function knownTotalCostSql(column: string): string {
  return `NULLIF(${column}, ${TOTAL_COST_CAP})`;
}
