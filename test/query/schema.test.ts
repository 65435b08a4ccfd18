import type { DataSource } from 'typeorm';
import { AgentRunRepository } from '../../src/query/agent-run-repository';
import { createAgentspanDataSource } from '../../src/store/connection/data-source';
import { runMigrations } from '../../src/store/connection/migrate';
import { newTraceId } from '../support/span-records';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { agentRun, decisionRecord, eventRecord, seed } from './run-seeds';

let database: TestDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  database = await createTestDatabase();
  dataSource = await createAgentspanDataSource({ url: database.url, schema: 'observability', poolSize: 1 });
  await runMigrations(dataSource);
});

afterAll(async () => {
  if (dataSource?.isInitialized) await dataSource.destroy();
  await database?.close();
});

describe('AgentRunRepository on a DataSource with a schema', () => {
  it('reads and updates the tables of that schema, which are not on the search path', async () => {
    const [{ visible }] = await dataSource.query(`SELECT to_regclass('agent_executions') IS NOT NULL AS visible`);
    expect(visible).toBe(false);

    const traceId = newTraceId();
    const run = agentRun({ agentName: 'Schematic', startedAt: new Date('2026-08-01T00:00:00Z'), traceId });
    run.decisions = [decisionRecord(0)];
    run.events = [eventRecord(0)];
    await seed(dataSource, [run]);

    const runs = new AgentRunRepository(dataSource);
    const page = await runs.history({ agent: 'Schematic' });
    expect(page.runs.map((summary) => summary.traceId)).toEqual([traceId]);
    expect(await runs.latest('Schematic')).toMatchObject({ traceId });
    const tree = (await runs.getRun(traceId))!;
    expect(tree.roots[0]).toMatchObject({ decisions: [{ ordinal: 0 }], events: [{ ordinal: 0 }] });
    expect((await runs.getRun(tree.roots[0]!.execution.executionId))?.roots).toHaveLength(1);
    const [decision] = (await runs.decisions({ agent: 'Schematic' })).decisions;
    expect(await runs.recordOutcome(decision!.decisionId, { outcome: 'success' })).toMatchObject({
      outcome: 'success',
    });
  });
});
