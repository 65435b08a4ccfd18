import { Agent, Tool, Trace } from '../../src/instrument';
import { resetWarnings } from '../../src/export/first-failure-warnings';
import { startAgentTelemetry, type AgentTelemetry } from '../../src/setup/start-agent-telemetry';

/**
 * A database and a collector that are down, with nothing listening on their ports: the first failure of each kind is
 * printed once as a process warning (`AgentspanWarning`, a code per kind), with credentials masked; `warnings: false`
 * prints none. Drops are a kind per reason.
 */
@Agent({ name: 'Unheard' })
class Unheard {
  @Trace() async run(i: number) {
    return this.step(i);
  }
  @Tool() async step(i: number) {
    return i + 1;
  }
}

const DATABASE = 'postgres://admin:hunter2@127.0.0.1:1/runs';
const COLLECTOR = 'http://collector:s3cret-token@127.0.0.1:1/v1/traces';

let emitted: Array<{ message: string; type?: string; code?: string }>;
let telemetry: AgentTelemetry | undefined;
const timeout = process.env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT;

beforeAll(() => {
  // The exporter retries a refused connection until its timeout (10 s by default): its failure comes after that.
  process.env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT = '300';
});

afterAll(() => {
  if (timeout === undefined) delete process.env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT;
  else process.env.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT = timeout;
});

/** Waits (generously) until `done()`; the exporter reports its failure in the background. */
async function until(done: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

beforeEach(() => {
  resetWarnings();
  emitted = [];
  jest.spyOn(process, 'emitWarning').mockImplementation(((message: string | Error, options?: unknown) => {
    const { type, code } = (options ?? {}) as { type?: string; code?: string };
    emitted.push({ message: String(message), type, code });
  }) as typeof process.emitWarning);
});

afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
  jest.restoreAllMocks();
});

async function runWhileDown(warnings?: boolean): Promise<void> {
  telemetry = await startAgentTelemetry({
    databaseUrl: DATABASE,
    otlp: { url: COLLECTOR },
    queue: { maxQueueSize: 4, maxBatchSize: 2, flushIntervalMs: 10, retry: { initialBackoffMs: 5, maxBackoffMs: 20 } },
    shutdownTimeoutMs: 1_000,
    rollups: false,
    staleRuns: false,
    ...(warnings === undefined ? {} : { warnings }),
  });
  for (let i = 0; i < 5; i++) await new Unheard().run(i);
  // Several write attempts fail while it waits; then shutdown gives up on the rest and flushes the collector.
  await telemetry.flush(300);
  await telemetry.shutdown();
}

it('prints the first failure of each kind once, with the password and the token masked', async () => {
  await runWhileDown();
  await until(() => emitted.some((warning) => warning.code === 'AGENTSPAN_COLLECTOR_UNAVAILABLE'));
  const codes = emitted.map((warning) => warning.code).sort();
  expect(codes).toEqual([
    'AGENTSPAN_COLLECTOR_UNAVAILABLE',
    'AGENTSPAN_DATABASE_UNAVAILABLE',
    'AGENTSPAN_RECORDS_DROPPED', // queue_full
    'AGENTSPAN_RECORDS_DROPPED', // shutdown
  ]);
  expect(emitted.every((warning) => warning.type === 'AgentspanWarning')).toBe(true);
  const text = emitted.map((warning) => warning.message).join('\n');
  expect(text).not.toContain('hunter2');
  expect(text).not.toContain('s3cret-token');
  expect(text).not.toMatch(/agentspan: /); // our prefix is not repeated inside the sentence
  const byCode = (code: string) => emitted.filter((warning) => warning.code === code).map((w) => w.message);
  expect(byCode('AGENTSPAN_DATABASE_UNAVAILABLE')[0]).toContain('postgres://admin:***@127.0.0.1:1/runs');
  expect(byCode('AGENTSPAN_COLLECTOR_UNAVAILABLE')[0]).toContain('http://collector:***@127.0.0.1:1/v1/traces');
  expect(
    byCode('AGENTSPAN_RECORDS_DROPPED')
      .map((message) => /reason: (\w+)/.exec(message)?.[1])
      .sort(),
  ).toEqual(['queue_full', 'shutdown']);

  // A second telemetry in the same process (after shutdown) does not repeat what was shown.
  emitted = [];
  await runWhileDown();
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // the collector's failure, had it been warned again
  expect(emitted).toEqual([]);
}, 60_000);

it('prints nothing with warnings: false', async () => {
  await runWhileDown(false);
  expect(telemetry!.stats().droppedTotal).toBeGreaterThan(0);
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // the collector's failure
  expect(emitted).toEqual([]);
}, 60_000);
