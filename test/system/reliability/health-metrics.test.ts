import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type CollectionResult } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { DataSource } from 'typeorm';
import { AgentSpanProcessor } from '../../../src/export/agent-span-processor';
import { TRACER_NAME } from '../../../src/semconv/tracer-name';
import { createAgentspanDataSource } from '../../../src/store/connection/data-source';
import { runMigrations } from '../../../src/store/connection/migrate';
import { StoreConnection } from '../../../src/store/connection/store-connection';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { TcpProxy, targetOf } from '../../support/tcp-proxy';
import { emitRuns, eventually, RECORDS_PER_RUN, tempDirectory } from './support';

/** A MetricReader the test drives: collect() when it wants the figures. */
class TestReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** name → value, and `name{reason=…}` → value for attributed points. */
function figures(result: CollectionResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const scope of result.resourceMetrics.scopeMetrics) {
    if (scope.scope.name !== 'agentspan') continue;
    for (const metric of scope.metrics) {
      for (const point of metric.dataPoints) {
        const reason = point.attributes.reason;
        out[reason === undefined ? metric.descriptor.name : `${metric.descriptor.name}{reason=${String(reason)}}`] =
          point.value as number;
      }
    }
  }
  return out;
}

let database: TestDatabase;
let proxy: TcpProxy;
let dataSource: DataSource;
let spillDir: ReturnType<typeof tempDirectory>;

beforeAll(async () => {
  database = await createTestDatabase();
  proxy = await TcpProxy.reserve(targetOf(database.url));
  await proxy.listen();
  dataSource = await createAgentspanDataSource({
    url: proxy.urlFor(database.url),
    poolSize: database.isServer ? 4 : 1,
  });
  await runMigrations(dataSource);
  spillDir = tempDirectory();
});

afterAll(async () => {
  await proxy.close();
  if (dataSource?.isInitialized) await dataSource.destroy();
  await database?.close();
  spillDir?.cleanup();
});

it('health() and the OTel metrics report the queue, the breaker, the spill and the counters through an outage', async () => {
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const processor = new AgentSpanProcessor({
    dataSource,
    meterProvider,
    queue: { flushIntervalMs: 20, retry: { initialBackoffMs: 5, maxBackoffMs: 20 } },
    breaker: { failureThreshold: 2, cooldownMs: 300, maxCooldownMs: 300 },
    spill: { directory: spillDir.path },
    staleRuns: false,
  });
  const tracer = new BasicTracerProvider({ spanProcessors: [processor] }).getTracer(TRACER_NAME);
  try {
    expect(processor.health()).toMatchObject({
      queue: { depth: 0, bytes: 0, inFlight: 0 },
      breaker: { state: 'closed', consecutiveFailures: 0, opened: 0, nextProbeAt: null },
      lastError: null,
      spill: { enabled: true, directory: spillDir.path, bytes: 0, records: 0, files: 0, pending: 0 },
      counters: { recorded: 0, written: 0, droppedTotal: 0 },
    });

    emitRuns(tracer, 10);
    await processor.flush(30_000);
    let seen = figures(await reader.collect());
    expect(seen).toMatchObject({
      'agentspan.records.recorded': 10 * RECORDS_PER_RUN,
      'agentspan.records.written': 10 * RECORDS_PER_RUN,
      'agentspan.records.dropped{reason=queue_full}': 0,
      'agentspan.queue.depth': 0,
      'agentspan.breaker.state': 0,
      'agentspan.spill.records': 0,
    });

    await proxy.close();
    emitRuns(tracer, 10);
    await eventually('the breaker to open', () => processor.health().breaker.state !== 'closed');
    await eventually('the records to reach the spill', () => processor.stats().spilled === 10 * RECORDS_PER_RUN);
    const down = processor.health();
    expect(down.breaker.opened).toBeGreaterThanOrEqual(1);
    expect(down.lastError).not.toBeNull();
    expect(down.spill).toMatchObject({ records: 10 * RECORDS_PER_RUN, pending: 10 * RECORDS_PER_RUN });
    expect(down.spill.bytes).toBeGreaterThan(0);
    expect(down.spill.files).toBeGreaterThanOrEqual(1);
    seen = figures(await reader.collect());
    expect(seen['agentspan.breaker.state']).toBeGreaterThan(0);
    expect(seen).toMatchObject({
      'agentspan.spill.records': down.spill.records,
      'agentspan.spill.bytes': down.spill.bytes,
      'agentspan.records.spilled': 10 * RECORDS_PER_RUN,
      'agentspan.records.recorded': 20 * RECORDS_PER_RUN,
    });
    expect(seen['agentspan.writes.retried']).toBeGreaterThanOrEqual(2);

    await proxy.listen();
    await expect(processor.flush(30_000)).resolves.toEqual({ complete: true, pending: 0 });
    const back = processor.health();
    expect(back).toMatchObject({ breaker: { state: 'closed' }, spill: { records: 0, files: 0, pending: 0 } });
    expect(back.counters).toMatchObject({ written: 20 * RECORDS_PER_RUN, droppedTotal: 0 });
    expect(figures(await reader.collect())).toMatchObject({
      'agentspan.records.written': 20 * RECORDS_PER_RUN,
      'agentspan.breaker.state': 0,
    });
  } finally {
    await processor.shutdown();
    await meterProvider.shutdown();
  }
});

it('publishes on the global MeterProvider when none is given, and stops at shutdown', async () => {
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);
  try {
    const processor = new AgentSpanProcessor({ dataSource, staleRuns: false });
    emitRuns(new BasicTracerProvider({ spanProcessors: [processor] }).getTracer(TRACER_NAME), 3);
    await processor.flush(30_000);
    expect(figures(await reader.collect())).toMatchObject({
      'agentspan.records.written': 3 * RECORDS_PER_RUN,
      'agentspan.breaker.state': 0,
    });
    await processor.shutdown();
    const observed = jest.spyOn(processor, 'health');
    await reader.collect();
    expect(observed).not.toHaveBeenCalled();
  } finally {
    metrics.disable();
    await meterProvider.shutdown();
  }
});

it('masks credentials in the last error', async () => {
  const connection = new StoreConnection(
    async () => {
      throw new Error('could not connect to postgres://agent:s3cret-pw@db.internal:5432/runs (password=s3cret-pw)');
    },
    { migrate: false },
  );
  const processor = new AgentSpanProcessor({
    connection,
    queue: { flushIntervalMs: 10 },
    staleRuns: false,
    shutdownTimeoutMs: 200,
  });
  try {
    emitRuns(new BasicTracerProvider({ spanProcessors: [processor] }).getTracer(TRACER_NAME), 1);
    await eventually('a failed write', () => processor.health().lastError !== null);
    const { lastError } = processor.health();
    expect(lastError).toContain('postgres://agent:***@db.internal:5432/runs');
    expect(lastError).not.toContain('s3cret-pw');
    expect(processor.stats().lastError).toBe(lastError);
  } finally {
    await processor.shutdown();
  }
});
