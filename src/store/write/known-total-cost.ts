import { MAX_TOTAL_COST } from './subtree-totals-sql';

/**
 * An agent's subtree cost as analytics may sum it: null when the stored total is the cap. A capped total is an
 * overflow, not a figure (the totals recompute caps a sum its column cannot hold rather than fail the batch); rows
 * written before the recompute kept an unknown total null also read the cap there.
 */
export function knownTotalCostSql(column: string): string {
  return `NULLIF(${column}, ${MAX_TOTAL_COST})`;
}
