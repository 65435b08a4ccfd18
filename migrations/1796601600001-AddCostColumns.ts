import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * agent_performance gets where its figures came from and what its totals could not count:
 * - usage_source: 'provided' (reported by the provider, an instrumentation or recordUsage) or 'estimated' (counted
 *   by the application, said through recordUsage); null when no token figure is known.
 * - price_id: the model_prices row a calculated cost came from (no foreign key, as elsewhere: see the first migration).
 * - unknown_cost_count: on agent rows, the LLM calls of the subtree whose cost is unknown, so a total cost never
 *   reads as complete when it is not.
 * Adding nullable columns without defaults rewrites nothing: instant on a large table.
 */
export class AddCostColumns1796601600001 implements MigrationInterface {
  name = 'AddCostColumns1796601600001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = qualifier(queryRunner)('agent_performance');
    await queryRunner.query(`
      ALTER TABLE ${table}
        ADD COLUMN usage_source varchar(16),
        ADD COLUMN price_id integer,
        ADD COLUMN unknown_cost_count integer,
        ADD CONSTRAINT chk_agent_performance_usage_source CHECK (usage_source IN ('provided', 'estimated'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = qualifier(queryRunner)('agent_performance');
    await queryRunner.query(`
      ALTER TABLE ${table}
        DROP CONSTRAINT chk_agent_performance_usage_source,
        DROP COLUMN unknown_cost_count,
        DROP COLUMN price_id,
        DROP COLUMN usage_source`);
  }
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** Table names qualified with the DataSource's schema option, when it has one. Kept local: a migration is frozen. */
function qualifier(queryRunner: QueryRunner): (table: string) => string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  return (table) => (schema ? `${quote(schema)}.${quote(table)}` : quote(table));
}
