import type { DataSource } from 'typeorm';
import { untraced } from '../../internal/untraced';
import { qualifiedTableName } from '../../store/schema/table-names';
import { WHOLE_ROW, type ChangePosition } from './change-cursor';

/** A row of agentspan_run_changes: the run changes of one committed transaction, in order. */
export interface ChangeRow {
  xactId: bigint;
  /** Each changed run as its trace id and span id in hex, RUN_KEY_WIDTH characters (bytes in the log). */
  runs: string;
  /** One letter per change (see CHANGE_LETTERS). */
  changes: string;
}

export interface ChangeRead {
  /** Rows after the position, below the horizon, in transaction id order. */
  rows: ChangeRow[];
  /** Every transaction below this id has ended: nothing can be logged behind it any more. */
  horizon: bigint;
  /** Committed rows wait at or past the horizon, behind a transaction still in progress: read again soon. */
  pending: boolean;
}

/**
 * The horizon of a read: the smallest id among the transactions still in progress in its snapshot, else the next id
 * to be handed out. Transaction ids are given in start order, not commit order, so a row of a transaction with a
 * smaller id can still be committed after one with a larger id: reading only below the horizon means no row is ever
 * added behind what was read. A transaction of another database of the cluster is left out when pg_stat_activity
 * shows it there (a backend never changes database, and only ours write our change log), so a long transaction
 * elsewhere on the server does not hold the watch back; one it cannot place (finished since the snapshot, or hidden
 * from a role without pg_read_all_stats) counts, which can only delay a change, never lose it. A long transaction of
 * this database holding an id delays changes until it ends.
 */
const HORIZON_SQL = `
  SELECT COALESCE(
    (SELECT min(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS x
     WHERE (x::text::bigint % 4294967296) NOT IN (
       SELECT a.backend_xid::text::bigint FROM pg_stat_activity a
       WHERE a.backend_xid IS NOT NULL
         AND a.datid <> (SELECT d.oid FROM pg_database d WHERE d.datname = current_database()))),
    pg_snapshot_xmax(pg_current_snapshot())::text::bigint) AS w`;

/** The position of "now": after every transaction below the horizon. */
export async function currentChangePosition(dataSource: DataSource): Promise<ChangePosition> {
  const rows: Array<{ w: string }> = await untraced(() =>
    dataSource.query(`SELECT h.w::text AS w FROM (${HORIZON_SQL}) h`),
  );
  return { xactId: BigInt(rows[0]!.w) - 1n, index: WHOLE_ROW };
}

/**
 * Reads up to `limit` change rows after `after` (its own row again when only part of it was delivered: the caller
 * skips what it has seen), below the horizon, in one statement: one snapshot for the horizon and the rows.
 */
export async function readChanges(dataSource: DataSource, after: ChangePosition, limit: number): Promise<ChangeRead> {
  const changes = qualifiedTableName(dataSource, 'agentspan_run_changes');
  const rows: Array<Record<string, unknown>> = await untraced(() =>
    dataSource.query(
      `WITH h AS MATERIALIZED (${HORIZON_SQL})
       SELECT h.w::text AS horizon,
              EXISTS (SELECT 1 FROM ${changes} p WHERE p.xact_id >= GREATEST(h.w, $1::bigint)) AS pending,
              c.xact_id::text AS "xactId", c.runs, c.changes
       FROM h LEFT JOIN LATERAL (
         SELECT * FROM ${changes} r WHERE r.xact_id >= $1::bigint AND r.xact_id < h.w ORDER BY r.xact_id LIMIT $2
       ) c ON true
       ORDER BY c.xact_id`,
      [after.xactId.toString(), limit],
    ),
  );
  const first = rows[0]!;
  return {
    horizon: BigInt(String(first.horizon)),
    pending: first.pending === true,
    rows: rows
      .filter((row) => row.xactId !== null)
      .map((row) => ({
        xactId: BigInt(String(row.xactId)),
        runs: (row.runs as Buffer).toString('hex'),
        changes: String(row.changes),
      })),
  };
}
