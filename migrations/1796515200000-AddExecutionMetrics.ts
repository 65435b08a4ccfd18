import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * agent_executions.metrics: the business metrics recorded on a span with recordMetrics, as a jsonb object of
 * numbers (`{"competitors_analysed": 12, "conversion_rate": 0.031}`), null when none. Aggregated per metric with
 * jsonb_each by the analytics queries and the hourly rollups. Adding a nullable column without a default is a
 * catalog change only: no table rewrite, however many rows.
 */
export class AddExecutionMetrics1796515200000 implements MigrationInterface {
  name = 'AddExecutionMetrics1796515200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE ${qualifier(queryRunner)('agent_executions')} ADD COLUMN IF NOT EXISTS metrics jsonb`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE ${qualifier(queryRunner)('agent_executions')} DROP COLUMN metrics`);
  }
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** Table names qualified with the DataSource's schema option, when it has one. Kept local: a migration is frozen. */
function qualifier(queryRunner: QueryRunner): (table: string) => string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  return (table) => (schema ? `${quote(schema)}.${quote(table)}` : quote(table));
}
