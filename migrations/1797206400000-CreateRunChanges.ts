import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * agentspan_run_changes: the change log `watch()` reads (src/query/watch/). One row per writing transaction that
 * changed a run — a SpanWriter transaction or a stale-run sweep — written in that transaction, so a row is there
 * exactly when its transaction committed. `runs` holds the runs changed, each as the 24 bytes of its trace id and
 * span id (the hex ids decoded, no separator), and `changes` one letter per run, in order (s started, p step,
 * c completed, f failed, x cancelled, a abandoned); a run may come more than once (started, then completed).
 *
 * The key is the writing transaction's id (`pg_current_xact_id()`, 64 bits with the epoch: it never wraps). Ids are
 * handed out in start order, not commit order, so a reader never reads past the oldest transaction still in progress
 * (see change-feed.ts): below it every transaction has ended, and none that starts later can take a smaller id. So
 * (xact_id, position in the row) is a durable order in which nothing is ever inserted behind a reader.
 *
 * One row per transaction, bytes and a text rather than a row per change or arrays: one heap tuple and one index
 * entry per batch, nothing to sort or escape, and half the bytes of the ids as text (measured: a batch's 1,000
 * changes cost 0.6 ms as bytes, 2.8 ms as hex text, which PostgreSQL tries to compress), which keeps the write path
 * cheap. The writer prunes rows older than its retention (default one hour), a bounded number at a time. No entity:
 * only agentspan's own SQL uses it. IF NOT EXISTS, as for the rollups: when the run tables and the migration table
 * are dropped and agentspan migrates again, this table may still be there.
 */
export class CreateRunChanges1797206400000 implements MigrationInterface {
  name = 'CreateRunChanges1797206400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS ${qualifier(queryRunner)('agentspan_run_changes')} (
        xact_id bigint NOT NULL,
        changed_at timestamptz NOT NULL,
        runs bytea NOT NULL,
        changes text NOT NULL,
        CONSTRAINT pk_agentspan_run_changes PRIMARY KEY (xact_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${qualifier(queryRunner)('agentspan_run_changes')}`);
  }
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** Table names qualified with the DataSource's schema option, when it has one. Kept local: a migration is frozen. */
function qualifier(queryRunner: QueryRunner): (table: string) => string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  return (table) => (schema ? `${quote(schema)}.${quote(table)}` : quote(table));
}
