import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A BRIN index on agent_executions.created_at, for retention (pruneRuns): it finds the oldest rows of every kind —
 * also traces with no agent, such as LLM calls another instrumentation made outside any agent — without a B-tree
 * entry per row. Rows are appended roughly in created_at order, which is what BRIN needs; a summary per 128 pages
 * costs next to nothing on insert.
 */
export class AddCreatedAtBrin1795910400000 implements MigrationInterface {
  name = 'AddCreatedAtBrin1795910400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX idx_agent_executions_created_brin ON ${qualifier(queryRunner)('agent_executions')} USING brin (created_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = (queryRunner.connection.options as { schema?: string }).schema;
    const index = schema
      ? `${quote(schema)}.${quote('idx_agent_executions_created_brin')}`
      : quote('idx_agent_executions_created_brin');
    await queryRunner.query(`DROP INDEX ${index}`);
  }
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** Table names qualified with the DataSource's schema option, when it has one. Kept local: a migration is frozen. */
function qualifier(queryRunner: QueryRunner): (table: string) => string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  return (table) => (schema ? `${quote(schema)}.${quote(table)}` : quote(table));
}
