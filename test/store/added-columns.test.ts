import type { QueryRunner } from 'typeorm';
import { agentspanMigrations } from '../../migrations';
import { addedColumnMigrations } from '../../migrations/added-columns';
import { EXECUTION_COLUMNS, type ExecutionColumn } from '../../src/store/schema/execution-columns';

/** The SQL a migration runs, up or down, against a DataSource with `schema` (or none). */
async function sqlOf(
  migration: ReturnType<typeof addedColumnMigrations>[number],
  direction: 'up' | 'down',
  schema?: string,
) {
  const queries: string[] = [];
  const runner = { connection: { options: { schema } }, query: async (sql: string) => void queries.push(sql) };
  await new migration()[direction](runner as unknown as QueryRunner);
  return queries;
}

const columnOf = (overrides: Partial<ExecutionColumn>): ExecutionColumn => ({
  ...EXECUTION_COLUMNS.find((column) => column.name === 'instrumentation_scope')!,
  ...overrides,
});

describe('migrations generated for added columns', () => {
  it('adds instrumentation_scope as the hand-written migration did, under the same name', async () => {
    const [migration] = addedColumnMigrations('agent_executions', EXECUTION_COLUMNS);
    expect(migration!.name).toBe('AddInstrumentationScope1797033600000');
    expect(new migration!().name).toBe('AddInstrumentationScope1797033600000');
    expect(await sqlOf(migration!, 'up')).toEqual([
      'ALTER TABLE "agent_executions" ADD COLUMN instrumentation_scope varchar(256)',
    ]);
    expect(await sqlOf(migration!, 'down', 'tenant "a"')).toEqual([
      'ALTER TABLE "tenant ""a"""."agent_executions" DROP COLUMN instrumentation_scope',
    ]);
  });

  it('gives every column type its SQL type and collation', async () => {
    const cases: [Partial<ExecutionColumn>, string][] = [
      [{ name: 'span_kind', type: 'text', width: undefined }, 'span_kind text'],
      [{ name: 'scope_id', type: 'text', width: 16, collation: 'C' }, 'scope_id varchar(16) COLLATE "C"'],
      [{ name: 'extra', type: 'jsonb', width: undefined }, 'extra jsonb'],
      [{ name: 'seen_at', type: 'timestamptz', width: undefined }, 'seen_at timestamptz'],
      [{ name: 'ratio', type: 'float8', width: undefined }, 'ratio double precision'],
      [{ name: 'retry_count', type: 'int4', width: undefined }, 'retry_count integer'],
    ];
    for (const [overrides, definition] of cases) {
      const [migration] = addedColumnMigrations('t', [columnOf({ ...overrides, addedIn: 1800000000000 })]);
      expect(await sqlOf(migration!, 'up')).toEqual([`ALTER TABLE "t" ADD COLUMN ${definition}`]);
    }
    const [named] = addedColumnMigrations('t', [columnOf({ name: 'retry_count', addedIn: 1800000000000 })]);
    expect(named!.name).toBe('AddRetryCount1800000000000');
  });

  it('refuses a NOT NULL column, which needs a default or a backfill', () => {
    expect(() => addedColumnMigrations('t', [columnOf({ required: true, addedIn: 1800000000000 })])).toThrow(
      't.instrumentation_scope: a NOT NULL column needs a hand-written migration',
    );
  });

  it('come in the list of every migration in timestamp order, each name once', () => {
    const names = agentspanMigrations.map((migration) => migration.name);
    const timestamps = names.map((name) => Number(name.slice(-13)));
    expect(timestamps).toEqual([...timestamps].sort((a, b) => a - b));
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('AddInstrumentationScope1797033600000');
  });
});
