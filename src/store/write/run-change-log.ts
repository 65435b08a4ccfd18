import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import type { MergedSpan } from './dedupe-records';
import { runChangesChannel } from './run-change-channel';
import { buildRunChangeSql, buildRunningAncestorsSql, PRUNE_BATCH, type RunChangeSqlVariant } from './run-change-sql';
import { seedsByGroup } from './shard-groups';
import { collectRunChanges, noRunChanges, type RunChanges } from './run-changes';

/** How often a writer prunes the change log (the first write of a writer prunes too). */
const PRUNE_INTERVAL_MS = 60_000;

/**
 * The writer's side of watch(): logs each write transaction's run changes in agentspan_run_changes, NOTIFYs the
 * watchers (on a server, when asked) and prunes rows past their retention. One statement per transaction, none for a
 * part that changes no run (unless a prune is due); the NOTIFY is delivered by PostgreSQL when, and only if, the
 * transaction commits.
 */
export class RunChangeLog {
  private readonly sql: Record<RunChangeSqlVariant, { kept: string; pruned: string }>;
  private readonly channel: string;
  private readonly runningAncestorsSql: string;
  private nextPruneAt = 0;

  constructor(
    dataSource: DataSource,
    private readonly retentionMs: number,
  ) {
    const build = (variant: RunChangeSqlVariant) => ({
      kept: buildRunChangeSql(dataSource, variant, false),
      pruned: buildRunChangeSql(dataSource, variant, true),
    });
    this.sql = { plain: build('plain'), seeded: build('seeded') };
    this.channel = runChangesChannel(dataSource);
    this.runningAncestorsSql = buildRunningAncestorsSql(dataSource);
  }

  /**
   * On Citus (`groups`: the part's traces by shard, see shard-groups): finds the steps the seeded statement would
   * find, a shard at a time, and turns `changes` into changes without seeds, for the plain statement. Run under the
   * part's trace locks, after its rows are written, like that statement.
   */
  async resolveSeeds(client: PoolClient, changes: RunChanges, groups: readonly string[][]): Promise<RunChanges> {
    if (changes.seedSpanIds.length === 0) return changes;
    let runs = '';
    let steps = 0;
    for (const [traceIds, spanIds, traces] of seedsByGroup(groups, [changes.seedTraceIds, changes.seedSpanIds])) {
      const { rows } = await client.query<{ run: string }>(this.runningAncestorsSql, [
        traceIds,
        spanIds,
        changes.stepKeys,
        traces,
      ]);
      for (const { run } of rows) {
        runs += run;
        steps++;
      }
    }
    return {
      ...changes,
      headRuns: changes.headRuns + runs,
      headLetters: changes.headLetters + 'p'.repeat(steps),
      seedTraceIds: [],
      seedSpanIds: [],
    };
  }

  /** The run changes of a part's spans: Node work, done before the part takes its trace locks. */
  collect(spans: readonly MergedSpan[]): RunChanges {
    return collectRunChanges(spans);
  }

  /**
   * Logs `changes` (those of what the part wrote, see collect) in the part's transaction, on its connection. The
   * statement is handed to pg before this returns (the function does not wait before it), so a COMMIT queued on the
   * same connection right after goes out as soon as it is done, without a round trip through the event loop; if it
   * fails, that COMMIT ends the transaction as a ROLLBACK, and the caller must throw what this rejects with.
   */
  async record(client: PoolClient, changes: RunChanges, notify: boolean): Promise<void> {
    const now = Date.now();
    const prune = now >= this.nextPruneAt;
    if (!prune && noRunChanges(changes)) return;
    // Claimed before the statement, so the other part of the same batch does not prune as well.
    if (prune) this.nextPruneAt = now + PRUNE_INTERVAL_MS;
    const channel = notify ? this.channel : null;
    const variant: RunChangeSqlVariant = changes.seedSpanIds.length === 0 ? 'plain' : 'seeded';
    const parameters: unknown[] =
      variant === 'plain'
        ? [bytes(changes.headRuns + changes.tailRuns), changes.headLetters + changes.tailLetters, channel]
        : [
            bytes(changes.headRuns),
            changes.headLetters,
            bytes(changes.tailRuns),
            changes.tailLetters,
            changes.seedTraceIds,
            changes.seedSpanIds,
            changes.stepKeys,
            channel,
          ];
    if (prune) parameters.push(this.retentionMs);
    const sql = prune ? this.sql[variant].pruned : this.sql[variant].kept;
    const { rows } = await client.query<{ pruned: number }>(sql, parameters);
    // A full batch pruned: there is more, so the next write prunes again.
    if (prune && Number(rows[0]?.pruned ?? 0) >= PRUNE_BATCH) this.nextPruneAt = 0;
  }
}

/** Hex run keys as the log's bytes (pg sends a Buffer as a binary parameter: no escaping either side). */
const bytes = (hex: string): Buffer => Buffer.from(hex, 'hex');
