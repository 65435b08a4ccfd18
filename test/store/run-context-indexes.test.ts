import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { agentspanMigrations } from '../../migrations';
import { AddRunContextIndexes1797163200000 } from '../../migrations/1797163200000-AddRunContextIndexes';
import { createAgentspanDataSource } from '../../src/store/connection/data-source';
import { runMigrations } from '../../src/store/connection/migrate';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * AddRunContextIndexes on its own: the GIN index on metadata (jsonb_path_ops) and the session index, both partial on
 * agent rows; down removes exactly them; up finds them already there when an operator built them beforehand.
 */

let database: TestDatabase;
let dataSource: DataSource;
const NAMES = ['idx_agent_executions_metadata', 'idx_agent_executions_session_started'];

beforeAll(async () => {
  database = await createTestDatabase();
  dataSource = await createAgentspanDataSource({ url: database.url, poolSize: 1 });
});

afterAll(async () => {
  if (dataSource?.isInitialized) await dataSource.destroy();
  await database?.close();
});

async function definitions(): Promise<Record<string, string>> {
  const rows: Array<{ indexname: string; indexdef: string }> = await dataSource.query(
    `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'agent_executions' ORDER BY indexname`,
  );
  return Object.fromEntries(rows.map((row) => [row.indexname, row.indexdef]));
}

/** Undoes the migrations from the latest down to and including this one (later ones, if any, go first). */
async function undoRunContextIndexes(): Promise<void> {
  const position = agentspanMigrations.indexOf(AddRunContextIndexes1797163200000);
  for (let i = position; i < agentspanMigrations.length; i++) {
    await dataSource.undoLastMigration({ transaction: 'each' });
  }
}

it('creates both indexes partial on agent rows, and down drops exactly them', async () => {
  expect(agentspanMigrations).toContain(AddRunContextIndexes1797163200000);
  await runMigrations(dataSource);
  const up = await definitions();
  expect(up.idx_agent_executions_metadata).toMatch(
    /USING gin \(metadata jsonb_path_ops\) WHERE \(\(kind\)::text = 'agent'::text\)$/,
  );
  expect(up.idx_agent_executions_session_started).toMatch(
    /USING btree \(session_id, started_at\) WHERE \(\(\(kind\)::text = 'agent'::text\) AND \(session_id IS NOT NULL\)\)$/,
  );

  await undoRunContextIndexes();
  const down = await definitions();
  expect(Object.keys(down)).toEqual(Object.keys(up).filter((name) => !NAMES.includes(name)));

  expect(await runMigrations(dataSource)).toContain(AddRunContextIndexes1797163200000.name);
  expect(await definitions()).toEqual(up);
});

it('takes indexes an operator built beforehand (CREATE INDEX CONCURRENTLY) as they are', async () => {
  await undoRunContextIndexes();
  await dataSource.query(
    `CREATE INDEX CONCURRENTLY idx_agent_executions_metadata ON agent_executions
     USING gin (metadata jsonb_path_ops) WHERE kind = 'agent'`,
  );
  expect(await runMigrations(dataSource)).toContain(AddRunContextIndexes1797163200000.name);
  expect(Object.keys(await definitions())).toEqual(expect.arrayContaining(NAMES));
});
