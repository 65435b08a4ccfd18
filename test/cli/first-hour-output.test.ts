import 'reflect-metadata';
import { createServer, type Server } from 'node:net';
import { runCli } from '../../src/cli/run-cli';
import { SpanWriter } from '../../src/store/write/span-writer';
import { finalSpan, llmSpan, newTraceId } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

/**
 * What a newcomer reads in the CLI: `show` and `runs` give a run the same tokens in (cache reads included), a run that
 * spent nothing costs 0 and not `unknown`, `unknown` stays for a cost nobody knows, and a failure says `agentspan:`
 * and its code once. runCli in process, on PGlite or the server (DATABASE_URL).
 */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: {},
  });
  return { code, stdout, stderr };
}

let store: StoreFixture;
let url: string;
const cached = newTraceId();
const free = newTraceId();
const unpriced = newTraceId();
const partly = newTraceId();

/** An agent run of `agentName` with these steps below it. */
function agentRun(traceId: string, agentName: string) {
  return finalSpan({ traceId, kind: 'agent', execution: { agentName, name: `invoke_agent ${agentName}` } });
}

beforeAll(async () => {
  store = await createStoreFixture();
  url = store.database.url;
  const writer = new SpanWriter(store.dataSource);
  // The demo's WriterAgent: 519 fresh + 256 cached = 775 tokens in.
  const cachedAgent = agentRun(cached, 'Cached');
  await writer.write([
    cachedAgent,
    llmSpan(cached, cachedAgent.execution.spanId, {
      inputTokens: 519,
      cacheReadTokens: 256,
      cacheWriteTokens: 0,
      outputTokens: 148,
      reasoningTokens: 0,
      costUsd: '0.0001900000',
    }),
  ]);
  // A tool without a price and no model call: nothing was spent.
  const freeAgent = agentRun(free, 'Free');
  await writer.write([freeAgent, finalSpan({ traceId: free, parentSpanId: freeAgent.execution.spanId, kind: 'tool' })]);
  // A model without a price (none in model_prices for it): the cost is not known.
  const unpricedAgent = agentRun(unpriced, 'Unpriced');
  const inHouse = { requestModel: 'in-house-llm', responseModel: 'in-house-llm', costUsd: null, costSource: 'unknown' };
  await writer.write([unpricedAgent, llmSpan(unpriced, unpricedAgent.execution.spanId, inHouse as never)]);
  // One priced call and one not: the total is a lower bound.
  const partlyAgent = agentRun(partly, 'Partly');
  await writer.write([
    partlyAgent,
    llmSpan(partly, partlyAgent.execution.spanId, { costUsd: '0.0012500000' }),
    llmSpan(partly, partlyAgent.execution.spanId, inHouse as never),
  ]);
}, 60_000);

afterAll(() => store?.close());

/** The `runs` table row of an agent, as cells. */
async function runsRow(agent: string): Promise<Record<string, string>> {
  const { code, stdout } = await run(['--database', url, 'runs', '--agent', agent]);
  expect(code).toBe(0);
  const [header, , row] = stdout.split('\n');
  const columns = [...header.matchAll(/\S+(?: \S+)*/g)];
  return Object.fromEntries(
    columns.map((column, i) => [
      column[0],
      row.slice(column.index, i + 1 < columns.length ? columns[i + 1].index : undefined).trim(),
    ]),
  );
}

async function show(traceId: string): Promise<string[]> {
  const { code, stdout, stderr } = await run(['--database', url, 'show', traceId]);
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return stdout.split('\n');
}

describe('show and runs agree', () => {
  it('on tokens in: cache reads are counted in both (775, not 519)', async () => {
    const row = await runsRow('Cached');
    expect(row).toMatchObject({ 'tokens in': '775', 'tokens out': '148', 'cost $': '0.00019' });
    const lines = await show(cached);
    expect(lines[1]).toMatch(
      /^invoke_agent Cached \[agent, completed\] .* 775 in \(256 cached\) \/ 148 out {2}\$0\.00019$/,
    );
    expect(lines[2]).toMatch(/^ {2}chat gpt-4o \[llm, completed\] .* 775 in \(256 cached\) \/ 148 out {2}\$0\.00019$/);
  });

  it('on cost: 0 when nothing priceable ran, unknown when a call could not be priced, ≥ for a lower bound', async () => {
    expect((await runsRow('Free'))['cost $']).toBe('0.00000');
    expect((await show(free))[1]).toMatch(/^invoke_agent Free \[agent, completed\] .* \$0\.00000$/);

    expect((await runsRow('Unpriced'))['cost $']).toBe('unknown');
    const unpricedTree = await show(unpriced);
    expect(unpricedTree[1]).toMatch(/ cost unknown$/);
    expect(unpricedTree[2]).toMatch(/^ {2}chat gpt-4o \[llm, completed\] .* cost unknown$/);

    expect((await runsRow('Partly'))['cost $']).toBe('≥0.00125');
    expect((await show(partly))[1]).toMatch(/ ≥\$0\.00125$/);
  });
});

describe('a failure is said once', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    // A database that refuses the login, as PostgreSQL does: an ErrorResponse with SQLSTATE 28P01.
    server = createServer((socket) => {
      socket.once('data', () => {
        const fields = ['SFATAL', 'VFATAL', 'C28P01', 'Mpassword authentication failed for user "admin"'];
        const body = Buffer.concat([...fields.map((field) => Buffer.from(`${field}\0`)), Buffer.from([0])]);
        const header = Buffer.alloc(5);
        header.write('E', 0);
        header.writeInt32BE(body.length + 4, 1);
        socket.end(Buffer.concat([header, body]));
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('with the agentspan: prefix and the SQLSTATE once, the password masked', async () => {
    const result = await run(['--database', `postgres://admin:hunter2@127.0.0.1:${port}/runs`, 'runs']);
    expect(result).toEqual({
      code: 3,
      stdout: '',
      stderr:
        `agentspan: cannot connect to postgres://admin:***@127.0.0.1:${port}/runs: ` +
        '28P01: password authentication failed for user "admin"\n',
    });
  });
});
