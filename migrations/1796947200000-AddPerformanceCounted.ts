import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * agent_performance.counted: false on a row whose figures another span already reports — a second span of the same
 * model call (a decorated wrapper around an instrumented SDK call, an SDK's own span inside an instrumentation's), or
 * a span of another instrumentation whose usage is the sum of the calls below it. Such rows keep what their span
 * said, and every sum and call count leaves them out. A constant default is stored in the catalog, not written to
 * each row (PostgreSQL 11 and later): instant on a large table, and every existing row reads as counted, as before.
 */
export class AddPerformanceCounted1796947200000 implements MigrationInterface {
  name = 'AddPerformanceCounted1796947200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = qualifier(queryRunner)('agent_performance');
    await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN counted boolean NOT NULL DEFAULT true`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = qualifier(queryRunner)('agent_performance');
    await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN counted`);
  }
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** Table names qualified with the DataSource's schema option, when it has one. Kept local: a migration is frozen. */
function qualifier(queryRunner: QueryRunner): (table: string) => string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  return (table) => (schema ? `${quote(schema)}.${quote(table)}` : quote(table));
}
