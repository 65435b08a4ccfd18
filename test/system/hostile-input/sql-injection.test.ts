import { Client } from 'pg';
import { log, recordDecision, recordUsage, Trace, withAgentContext } from '../../../src/instrument';
import { createHostileHarness, type HostileHarness } from './harness';

/**
 * Nothing a span carries reaches PostgreSQL as SQL: the writer sends every value inside one JSON parameter or as COPY
 * data, so text shaped like SQL is stored verbatim. Every query pg sends during the write is watched: none carries a
 * value in its text.
 */

const INJECTION = `'); DROP TABLE agent_executions; --`;
const MORE_INJECTIONS = [
  `" OR 1=1 --`,
  `$1) OR (true`,
  `\\'; SELECT pg_sleep(30); --`,
  `]}'::json; DELETE FROM agent_events; --`,
  `E'\\x00'`,
];

class Injected {
  @Trace({ captureInput: false }) session() {
    const result = this.run(INJECTION);
    for (const value of MORE_INJECTIONS) this.echo(value);
    return result;
  }
  @Trace({ name: INJECTION }) run(topic: string) {
    log('info', INJECTION, { [INJECTION]: INJECTION });
    recordUsage({ model: INJECTION, provider: INJECTION });
    recordDecision({ name: INJECTION, choice: INJECTION, reasoning: INJECTION, context: { [INJECTION]: [INJECTION] } });
    return { [INJECTION]: topic };
  }
  @Trace() echo(value: string) {
    return value;
  }
}

let harness: HostileHarness;
const sent: Array<{ text: string; values: unknown[] }> = [];
/** Data streamed to COPY … FROM STDIN statements. */
const copied: string[] = [];
const originalQuery = Client.prototype.query;

beforeAll(async () => {
  harness = await createHostileHarness();
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    const [config, values] = args as [string | { text?: string; values?: unknown[] }, unknown[] | undefined];
    const text = typeof config === 'string' ? config : (config?.text ?? '');
    sent.push({ text, values: (typeof config === 'object' ? config?.values : undefined) ?? values ?? [] });
    const stream = config as { end?: (chunk?: unknown, ...rest: unknown[]) => unknown } | string;
    if (typeof stream === 'object' && typeof stream.end === 'function') {
      const end = stream.end.bind(stream);
      stream.end = (chunk?: unknown, ...rest: unknown[]) => {
        if (chunk !== undefined) copied.push(String(chunk));
        return end(chunk, ...rest);
      };
    }
    return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof Client.prototype.query;
});

afterAll(async () => {
  Client.prototype.query = originalQuery;
  await harness?.close();
});

it('stores SQL-shaped text verbatim, sent only as a parameter or as COPY data', async () => {
  const { spans } = await harness.capture(() =>
    withAgentContext({ userId: INJECTION, tenantId: INJECTION, metadata: { [INJECTION]: INJECTION } }, () =>
      new Injected().session(),
    ),
  );
  const traceId = spans[0]!.spanContext().traceId;
  sent.length = 0;
  copied.length = 0;
  expect(await harness.processor.flush(30_000)).toEqual({ complete: true, pending: 0 });
  const written = sent.splice(0);

  const query = (sql: string, params: unknown[] = []) =>
    harness.store.dataSource.query(sql, [traceId, ...params]) as Promise<Array<Record<string, unknown>>>;
  const [run] = await query('SELECT * FROM agent_executions WHERE trace_id = $1 AND name = $2', [INJECTION]);
  expect(run).toMatchObject({
    name: INJECTION,
    user_id: INJECTION,
    tenant_id: INJECTION,
    input: [INJECTION],
    output: { [INJECTION]: INJECTION },
    metadata: { [INJECTION]: INJECTION },
  });
  const [performance] = await harness.store.dataSource.query(
    'SELECT * FROM agent_performance WHERE execution_id = $1',
    [run!.id],
  );
  expect(performance).toMatchObject({ provider: INJECTION, response_model: INJECTION });
  expect(await query('SELECT name, choice, reasoning, context FROM agent_decisions WHERE trace_id = $1')).toEqual([
    { name: INJECTION, choice: INJECTION, reasoning: INJECTION, context: { [INJECTION]: [INJECTION] } },
  ]);
  expect(await query('SELECT message, attributes FROM agent_events WHERE trace_id = $1')).toEqual([
    { message: INJECTION, attributes: { [INJECTION]: INJECTION } },
  ]);
  const echoed = await query(`SELECT output FROM agent_executions WHERE trace_id = $1 AND name = 'Injected.echo'`);
  expect(echoed.map((row) => row.output).sort()).toEqual([...MORE_INJECTIONS].sort());

  // The write sent no value in any statement's text: they travelled in its parameters or its COPY data.
  expect(written.length).toBeGreaterThan(0);
  for (const value of [INJECTION, ...MORE_INJECTIONS]) {
    expect(written.filter(({ text }) => text.includes(value))).toEqual([]);
  }
  expect([...written.flatMap(({ values }) => values), ...copied].join('\n')).toContain(INJECTION);

  // And the tables are all there.
  const [{ tables }] = await harness.store.dataSource.query(
    `SELECT count(*)::int AS tables FROM information_schema.tables
     WHERE table_name IN ('agent_executions', 'agent_performance', 'agent_decisions', 'agent_events')`,
  );
  expect(tables).toBe(4);
});
