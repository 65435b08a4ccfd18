import type { MigrationInterface, QueryRunner } from 'typeorm';
import { columnDefinition } from '../src/store/schema/column-ddl';
import type { ExecutionColumn } from '../src/store/schema/execution-columns';

/** A migration class, as the DataSource's `migrations` option takes it. */
export type MigrationClass = new () => MigrationInterface;

/**
 * The migrations of the columns a column table marks `addedIn`, one each, named `Add<Column><timestamp>`
 * (`instrumentation_scope` at 1797033600000: `AddInstrumentationScope1797033600000`): a nullable column is one
 * catalog change, `ALTER TABLE … ADD COLUMN` (no table rewrite, however many rows), and down drops it. So adding such a
 * column is one entry in the column table, not a migration file and its registration as well. Only nullable columns:
 * a NOT NULL one needs a default or a backfill, which is a hand-written migration's work.
 */
export function addedColumnMigrations(table: string, columns: readonly ExecutionColumn[]): MigrationClass[] {
  return columns.flatMap((column) => (column.addedIn === undefined ? [] : [addedColumnMigration(table, column)]));
}

function addedColumnMigration(table: string, column: ExecutionColumn): MigrationClass {
  if (column.required) throw new Error(`${table}.${column.name}: a NOT NULL column needs a hand-written migration`);
  const name = `Add${pascalCase(column.name)}${column.addedIn}`;
  const definition = columnDefinition(column);
  const migration = class implements MigrationInterface {
    name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`ALTER TABLE ${qualified(queryRunner, table)} ADD COLUMN ${definition}`);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`ALTER TABLE ${qualified(queryRunner, table)} DROP COLUMN ${column.name}`);
    }
  };
  // TypeORM and the tests know a migration class by its name.
  Object.defineProperty(migration, 'name', { value: name });
  return migration;
}

const pascalCase = (snake: string) => snake.replace(/(^|_)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** The table qualified with the DataSource's schema option, when it has one. */
function qualified(queryRunner: QueryRunner, table: string): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  return schema ? `${quote(schema)}.${quote(table)}` : quote(table);
}
