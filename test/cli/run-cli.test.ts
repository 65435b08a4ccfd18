import 'reflect-metadata';
import { runCli } from '../../src/cli/run-cli';
import { SpanWriter } from '../../src/store/write/span-writer';
import { spawnAgentspan } from '../support/cli-process';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { finalSpan, newTraceId } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

/**
 * runCli in process: what a spawned agentspan prints and exits with, without a process per command. One command per
 * exit code (0 done, 1 not found, 2 a bad argument, 3 the database), and one against the spawned command.
 */

interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** runCli with its output collected; DATABASE_URL comes from `env` only (never this process's). */
async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<InProcessRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env,
  });
  return { code, stdout, stderr };
}

let store: StoreFixture;
let url: string;
const trace = newTraceId();

beforeAll(async () => {
  store = await createStoreFixture();
  url = store.database.url;
  const run = finalSpan({ traceId: trace, kind: 'agent', execution: { agentName: 'InProcessAgent' } });
  await new SpanWriter(store.dataSource).write([run]);
}, 60_000);

afterAll(() => store?.close());

describe('runCli in process', () => {
  it('exit code 0: prints runs as JSON, reading DATABASE_URL from the env it is given', async () => {
    const result = await run(['--json', 'runs'], { DATABASE_URL: url });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(result.stdout).runs).toEqual([
      expect.objectContaining({ traceId: trace, agentName: 'InProcessAgent' }),
    ]);

    const health = await run(['--database', url, '--json', 'health']);
    expect(health.code).toBe(0);
    expect(Object.keys(JSON.parse(health.stdout))).toEqual([
      'database',
      'reachable',
      'runs',
      'running',
      'failed',
      'executions',
      'latestStart',
      'rollupsRefreshedAt',
    ]);
    expect(JSON.parse(health.stdout)).toMatchObject({
      reachable: true,
      runs: 1,
      executions: 1,
      rollupsRefreshedAt: null,
    });
  });

  it('exit code 0: help goes to stdout', async () => {
    const help = await run(['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toContain('Usage: agentspan [options] [command]');
  });

  it('exit code 1: a run that is not there', async () => {
    const missing = newTraceId();
    const result = await run(['--database', url, 'show', missing]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(`agentspan: no run with id ${missing} in ${url}\n`);
  });

  it('exit code 2: a value the repository refuses, and one commander refuses', async () => {
    const limit = await run(['--database', url, 'runs', '--limit', '0']);
    expect(limit).toEqual({
      code: 2,
      stdout: '',
      stderr: 'agentspan: history: limit must be an integer from 1 to 1000, got 0\n',
    });
    const tenant = await run(['--database', url, 'runs', '--tenant', '']);
    expect(tenant.code).toBe(2);
    expect(tenant.stderr).toContain('agentspan: forTenant: tenantId is empty');
    const command = await run(['explode']);
    expect(command).toMatchObject({ code: 2, stdout: '' });
    expect(command.stderr).toContain("unknown command 'explode'");
  });

  it('exit code 3: an unreachable database (never its password), no embedded database, no tables', async () => {
    const unreachable = await run(['--database', 'postgres://admin:hunter2@127.0.0.1:1/nowhere', 'runs']);
    expect(unreachable).toMatchObject({ code: 3, stdout: '' });
    expect(unreachable.stderr).toContain('postgres://admin:***@127.0.0.1:1/nowhere');
    expect(unreachable.stderr).not.toContain('hunter2');

    const noEmbedded = await run(['--data-dir', '/nonexistent/agentspan-pgdata', 'health']);
    expect(noEmbedded.code).toBe(3);
    expect(noEmbedded.stderr).toContain('agentspan: no embedded database in /nonexistent/agentspan-pgdata');

    const empty: TestDatabase = await createTestDatabase({ empty: true });
    try {
      const noTables = await run(['--database', empty.url, 'health']);
      expect(noTables).toMatchObject({ code: 3, stdout: '' });
      expect(noTables.stderr).toContain('has no agentspan tables: run `agentspan migrate` first');
    } finally {
      await empty.close();
    }
  });

  it('prints exactly what the spawned command prints', async () => {
    for (const args of [
      ['--database', url, 'runs'],
      ['--database', url, 'stats', '--group-by', 'week'],
    ]) {
      const spawned = await spawnAgentspan(...args);
      const inProcess = await run(args);
      expect(inProcess).toEqual({ code: spawned.code, stdout: spawned.stdout, stderr: spawned.stderr });
    }
  }, 60_000);
});
