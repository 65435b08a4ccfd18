import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { firstJsonLine, spawnTypeScript } from '../support/child-process';
import { spawnAgentspan } from '../support/cli-process';
import { createTestDatabase, type TestDatabase } from '../support/database';

/**
 * An application that never calls shutdown(): it starts agentspan, runs three agents and returns. Its process must
 * exit by itself (nothing of agentspan's holds it: the embedded database used to hold it forever) with every run
 * stored (on a server every row used to be lost with the records still queued). The bound is generous: the process
 * is only killed if it is still there after a minute.
 */
const SCRIPT = 'test/setup/support/exit-without-shutdown-process.ts';
const KILL_AFTER_MS = 60_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function exitOf(child: ChildProcess): Promise<Exit> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    timer.unref();
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

/** Runs the application; resolves once it has exited, with what it printed. */
async function runApplication(
  env: Record<string, string>,
): Promise<{ exit: Exit; printed: { recorded: number; dashboard: boolean } }> {
  const child = spawnTypeScript(SCRIPT, { DATABASE_URL: '', ...env });
  const exit = exitOf(child);
  const printed = await firstJsonLine<{ recorded: number; dashboard: boolean }>(child, KILL_AFTER_MS);
  const exited = await exit;
  const stderr = exited.stderr
    .split('\n')
    .filter((line) => line.trim() && !/ExperimentalWarning|--trace-warnings/.test(line))
    .join('\n');
  return { exit: { ...exited, stderr }, printed };
}

describe('a process that ends without shutdown()', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.close());

  it(`exits by itself with its runs written (${process.env.DATABASE_URL ? 'server' : 'PGlite over a socket'})`, async () => {
    const { exit, printed } = await runApplication({ AGENTSPAN_TEST_DATABASE_URL: database.url });
    expect(exit).toEqual({ code: 0, signal: null, stderr: '' });
    expect(printed.recorded).toBe(9); // 3 × (agent start, agent end, tool end)

    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT kind, status, count(*)::int AS count FROM agent_executions
         WHERE trace_id IN (SELECT trace_id FROM agent_executions WHERE agent_name = 'LeftWithoutShutdown')
         GROUP BY kind, status ORDER BY kind`,
      );
      expect(rows).toEqual([
        { kind: 'agent', status: 'completed', count: 3 },
        { kind: 'tool', status: 'completed', count: 3 },
      ]);
    } finally {
      await client.end();
    }
  }, 120_000);
});

describe('a process on the embedded database that ends without shutdown()', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'agentspan-exit-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('exits by itself, serving the dashboard too, and its runs are in the data directory', async () => {
    const pgdata = join(dataDir, 'pgdata');
    const { exit, printed } = await runApplication({ AGENTSPAN_TEST_DATA_DIR: pgdata, AGENTSPAN_TEST_UI: '1' });
    expect(exit).toEqual({ code: 0, signal: null, stderr: '' });
    expect(printed).toMatchObject({ recorded: 9, dashboard: true });

    // Another process opens the directory afterwards: the files hold every run.
    const stored = await spawnAgentspan('--data-dir', pgdata, '--json', 'runs', '--agent', 'LeftWithoutShutdown');
    expect({ code: stored.code, stderr: stored.stderr }).toEqual({ code: 0, stderr: '' });
    const { runs } = JSON.parse(stored.stdout) as { runs: Array<{ status: string; totals: { toolCalls: number } }> };
    expect(runs.map((run) => [run.status, run.totals.toolCalls])).toEqual([
      ['completed', 1],
      ['completed', 1],
      ['completed', 1],
    ]);
  }, 120_000);
});
