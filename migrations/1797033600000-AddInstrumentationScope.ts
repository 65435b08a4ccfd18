import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * agent_executions.instrumentation_scope: the OpenTelemetry instrumentation scope that made the span — its name, and
 * `@version` when it has one (`agentspan@0.1.0`, `@traceloop/instrumentation-openai@0.27.0`) — so spans can be told
 * apart by the library that recorded them. Null on rows written before it. A nullable column without a default is a
 * catalog change only: no table rewrite, however many rows.
 */
export class AddInstrumentationScope1797033600000 implements MigrationInterface {
  name = 'AddInstrumentationScope1797033600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = qualifier(queryRunner)('agent_executions');
    await queryRunner.query(`ALTER TABLE ${table} ADD COLUMN instrumentation_scope varchar(256)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = qualifier(queryRunner)('agent_executions');
    await queryRunner.query(`ALTER TABLE ${table} DROP COLUMN instrumentation_scope`);
  }
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** Table names qualified with the DataSource's schema option, when it has one. Kept local: a migration is frozen. */
function qualifier(queryRunner: QueryRunner): (table: string) => string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  return (table) => (schema ? `${quote(schema)}.${quote(table)}` : quote(table));
}
