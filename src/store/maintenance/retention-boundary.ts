import type { DataSource, QueryRunner } from 'typeorm';
import { qualifiedTableName } from '../schema/table-names';

/**
 * The row of agentspan_rollup_state that holds the retention boundary: the time before which runs were deleted
 * (pruned or their partitions dropped). The hourly rollups never recompute an hour before it (see hourly-rollups):
 * they keep the history of what is gone.
 */
export const RETAINED_FROM_STATE = 'retained_from';

/** Moves the boundary forward to `boundary` (never back). */
export async function advanceRetentionBoundary(
  on: Pick<QueryRunner | DataSource, 'query'>,
  dataSource: DataSource,
  boundary: Date,
): Promise<void> {
  await on.query(
    `INSERT INTO ${qualifiedTableName(dataSource, 'agentspan_rollup_state')} AS s (name, watermark) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET watermark = GREATEST(s.watermark, EXCLUDED.watermark)`,
    [RETAINED_FROM_STATE, boundary],
  );
}
