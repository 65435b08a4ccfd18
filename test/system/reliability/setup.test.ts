import { metrics, trace } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Agent, Tool, Trace } from '../../../src/instrument';
import { startAgentTelemetry } from '../../../src/setup/start-agent-telemetry';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { tempDirectory } from './support';

class TestReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

@Agent({ name: 'SetupProbe' })
class SetupProbe {
  @Trace() async run(i: number) {
    return this.twice(i);
  }
  @Tool() async twice(i: number) {
    return i * 2;
  }
}

let database: TestDatabase;
let spillDir: ReturnType<typeof tempDirectory>;

beforeAll(async () => {
  database = await createTestDatabase();
  spillDir = tempDirectory();
});

afterAll(async () => {
  await database?.close();
  spillDir?.cleanup();
});

describe('startAgentTelemetry reliability options', () => {
  it.each([
    [{ breaker: { failureThreshold: -1 } }, /option breaker\.failureThreshold must be a positive integer/],
    [{ spill: { directory: 42 } }, /option spill\.directory must be a non-empty string/],
    [{ spill: { directory: '/tmp/x', fsync: 'often' } }, /option spill\.fsync must be 'always', 'interval' or 'never'/],
    [{ staleRuns: { abandonAfterMs: 0 } }, /option staleRuns\.abandonAfterMs/],
    [{ meterProvider: 'prometheus' }, /option meterProvider must be an OpenTelemetry MeterProvider/],
  ])('rejects %j at start, leaving nothing registered', async (options, message) => {
    await expect(
      startAgentTelemetry({ databaseUrl: database.url, otlp: false, ...(options as object) }),
    ).rejects.toThrow(message);
    expect(trace.getTracerProvider().getTracer('x').startSpan('probe').isRecording()).toBe(false);
  });

  it('passes breaker, spill, staleRuns and meterProvider to its processor, and exposes health()', async () => {
    const reader = new TestReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const telemetry = await startAgentTelemetry({
      databaseUrl: database.url,
      otlp: false,
      breaker: { failureThreshold: 7 },
      spill: { directory: spillDir.path, fsync: 'never' },
      staleRuns: { abandonAfterMs: 86_400_000 },
      meterProvider,
    });
    try {
      await expect(new SetupProbe().run(21)).resolves.toBe(42);
      await expect(telemetry.flush(30_000)).resolves.toEqual({ complete: true, pending: 0 });
      const health = telemetry.health();
      expect(health).toMatchObject({
        breaker: { state: 'closed' },
        spill: { enabled: true, directory: spillDir.path },
        counters: { recorded: 3, written: 3, droppedTotal: 0 },
        lastError: null,
      });
      const collected = await reader.collect();
      const names = collected.resourceMetrics.scopeMetrics.flatMap((scope) =>
        scope.metrics.map((metric) => metric.descriptor.name),
      );
      expect(names).toEqual(
        expect.arrayContaining(['agentspan.queue.depth', 'agentspan.breaker.state', 'agentspan.records.written']),
      );
    } finally {
      await telemetry.shutdown();
      await meterProvider.shutdown();
    }
  });

  it('opens its DataSource with the databaseTimeouts given, and writes with the writer options given', async () => {
    const telemetry = await startAgentTelemetry({
      databaseUrl: database.url,
      otlp: false,
      databaseTimeouts: { statementTimeoutMs: 12_345, idleInTransactionTimeoutMs: 23_456 },
      writer: { loadMethod: 'upsert' },
    });
    try {
      const dataSource = await telemetry.dataSource();
      const count = async () =>
        ((await dataSource.query('SELECT count(*)::int AS n FROM agent_executions')) as Array<{ n: number }>)[0]!.n;
      const before = await count();
      await expect(new SetupProbe().run(1)).resolves.toBe(2);
      await expect(telemetry.flush(30_000)).resolves.toEqual({ complete: true, pending: 0 });
      if (database.isServer) {
        // PGlite takes the settings but applies no server-side timeouts; the server reports them back.
        const [{ statement_timeout }] = await dataSource.query('SHOW statement_timeout');
        const [{ idle_in_transaction_session_timeout }] = await dataSource.query(
          'SHOW idle_in_transaction_session_timeout',
        );
        expect({ statement_timeout, idle_in_transaction_session_timeout }).toEqual({
          statement_timeout: '12345ms',
          idle_in_transaction_session_timeout: '23456ms',
        });
      }
      expect((await count()) - before).toBe(2);
    } finally {
      await telemetry.shutdown();
    }
  });

  it('sets up no metrics export nobody asked for (NodeSDK would send OTLP metrics to localhost:4318)', async () => {
    metrics.disable(); // an earlier start may have registered one: start from none
    const before = metrics.getMeterProvider();
    const telemetry = await startAgentTelemetry({ databaseUrl: database.url, otlp: false });
    try {
      expect(metrics.getMeterProvider()).toBe(before);
    } finally {
      await telemetry.shutdown();
    }
  });
});
