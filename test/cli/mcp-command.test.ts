import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentspanDataSource } from '../../src/store/connection/data-source';
import { runMigrations } from '../../src/store/connection/migrate';
import { answerOf, callTool, startMcpServer, type McpSession } from '../mcp/mcp-session';
import { agentRun, seed } from '../query/run-seeds';
import { spawnTypeScript } from '../support/child-process';
import { agentspan, spawnAgentspan, type CliRun } from '../support/cli-process';
import { startEmbeddedTestServer } from '../support/database';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

/**
 * `agentspan mcp` as a command: stdout carries the protocol and nothing else, the database is chosen as for every
 * command (DATABASE_URL here, --database in test/mcp), one that cannot be reached or goes away makes tool errors
 * without its password while the server answers on, and a bad --tenant or --database is refused at start.
 */

const PASSWORD = 's3cret-pw';
let store: StoreFixture;
/** A directory for the embedded database, made by `agentspan migrate` while the other tests run. */
const embeddedDir = mkdtempSync(join(tmpdir(), 'agentspan-mcp-'));
let migrating: Promise<CliRun>;

beforeAll(async () => {
  migrating = spawnAgentspan('migrate', '--data-dir', join(embeddedDir, '.agentspan/pgdata'));
  store = await createStoreFixture();
  await seed(store.dataSource, [agentRun({ agentName: 'Reviewer', startedAt: new Date('2026-11-03T09:00:00Z') })]);
}, 60_000);

afterAll(async () => {
  await migrating;
  await store?.close();
  rmSync(embeddedDir, { recursive: true, force: true });
});

/** A port nothing listens on: one the OS just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it('writes only JSON-RPC on stdout, reads DATABASE_URL, and exits 0 when the client closes stdin', async () => {
  const child = spawnTypeScript('src/cli/main.ts', { DATABASE_URL: store.database.url }, ['mcp']);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const send = (message: object) => child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
  send({
    id: 1,
    method: 'initialize',
    params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  send({ method: 'notifications/initialized' });
  send({ id: 2, method: 'tools/call', params: { name: 'list_runs', arguments: {} } });
  send({ id: 3, method: 'tools/call', params: { name: 'list_runs', arguments: { limit: -1 } } });
  for (let waited = 0; (stdout.match(/\n/g) ?? []).length < 3 && waited < 30_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.stdin!.end();
  expect(await exited).toBe(0);

  const messages = stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { jsonrpc: string; id: number; result: any })
    // Calls are answered as they finish, not in order.
    .sort((a, b) => a.id - b.id);
  expect(messages.map((message) => [message.jsonrpc, message.id])).toEqual([
    ['2.0', 1],
    ['2.0', 2],
    ['2.0', 3],
  ]);
  expect(messages[0]!.result.serverInfo).toMatchObject({ name: 'agentspan' });
  expect(JSON.parse(messages[1]!.result.content[0].text).runs).toEqual([
    expect.objectContaining({ agent: 'Reviewer' }),
  ]);
  expect(messages[2]!.result).toMatchObject({ isError: true });
  expect(stderr).toBe('');
});

describe('a database that cannot be reached', () => {
  let session: McpSession;
  let url: string;

  beforeAll(async () => {
    url = `postgres://agentspan:${PASSWORD}@127.0.0.1:${await closedPort()}/agentspan`;
    session = await startMcpServer(['--database', url]);
  }, 60_000);

  afterAll(() => session?.close());

  it('makes every call a tool error that says so, without the password, and the server answers on', async () => {
    for (const tool of ['list_runs', 'get_run', 'run_stats', 'list_runs']) {
      const args = tool === 'get_run' ? { id: '0'.repeat(32) } : tool === 'run_stats' ? { groupBy: 'agent' } : {};
      const answer = await callTool(session, tool, args);
      expect(answer.isError).toBe(true);
      expect(answer.text).toMatch(
        new RegExp(`^${tool}: the database is unavailable: cannot connect to postgres://agentspan:\\*\\*\\*@127`),
      );
      expect(answer.text).not.toContain(PASSWORD);
    }
    const health = await answerOf(session, 'health');
    expect(health.database).toEqual({ reachable: false, error: expect.stringMatching(/ECONNREFUSED/) });
    expect(JSON.stringify(health)).not.toContain(PASSWORD);
    expect(session.stderr()).toMatch(/cannot connect/);
    expect(session.stderr()).not.toContain(PASSWORD);
  });
});

it('a database that goes away: tool errors while it is gone, the health tool says so', async () => {
  const database = await startEmbeddedTestServer();
  let session: McpSession | undefined;
  try {
    const dataSource = await createAgentspanDataSource({ url: database.url, poolSize: 1 });
    await runMigrations(dataSource);
    await dataSource.destroy();
    session = await startMcpServer(['--database', database.url]);
    expect((await answerOf(session, 'list_runs')).runs).toEqual([]);
    await database.close();
    const gone = await callTool(session, 'list_runs');
    expect(gone).toMatchObject({
      isError: true,
      text: expect.stringMatching(/^list_runs: the database is unavailable: /),
    });
    expect((await answerOf(session, 'health')).database.reachable).toBe(false);
    expect((await session.client.listTools()).tools.length).toBeGreaterThan(0);
  } finally {
    await session?.close();
    await database.close();
  }
}, 60_000);

it('opens the embedded database by default: ./.agentspan/pgdata in its working directory', async () => {
  expect((await migrating).code).toBe(0);
  const session = await startMcpServer([], embeddedDir);
  try {
    expect((await answerOf(session, 'list_runs')).runs).toEqual([]);
    expect((await answerOf(session, 'health')).server.database).toBe('./.agentspan/pgdata');
    // PGlite runs in the server's process: it must not print on the protocol's stdout either.
    expect(session.protocolErrors()).toEqual([]);
  } finally {
    await session.close();
  }
}, 60_000);

it('refuses a bad --tenant or --database at start with exit code 2, and is listed in --help', async () => {
  const tenant = await agentspan('mcp', '--tenant', '', '--database', store.database.url);
  expect(tenant.code).toBe(2);
  expect(tenant.stderr).toMatch(/tenantId/);
  const database = await agentspan('mcp', '--database', `mysql://root:${PASSWORD}@127.0.0.1/agentspan`);
  expect(database.code).toBe(2);
  expect(database.stderr).toMatch(/--database must be a postgres:\/\/ URL/);
  expect(database.stderr).not.toContain(PASSWORD);
  expect((await agentspan('--help')).stdout).toMatch(
    /^\s+mcp \[options\]\s+serve the runs to a coding agent over the Model Context/m,
  );
});
