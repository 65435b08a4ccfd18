import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { DataSource } from 'typeorm';
import { AgentSpanProcessor } from '../../../src/export/agent-span-processor';
import { TRACER_NAME } from '../../../src/semconv/tracer-name';
import { createAgentspanDataSource } from '../../../src/store/connection/data-source';
import { runMigrations } from '../../../src/store/connection/migrate';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { TcpProxy, targetOf } from '../../support/tcp-proxy';
import {
  emitRuns,
  executionCounts,
  RECORDS_PER_RUN,
  sleep,
  SPANS_PER_RUN,
  spillFilesIn,
  tempDirectory,
} from './support';

const SECONDS = 60;
const SPANS_PER_SECOND = 1_000;
const RUNS_PER_SECOND = SPANS_PER_SECOND / SPANS_PER_RUN;

let database: TestDatabase;
let proxy: TcpProxy;
let dataSource: DataSource;
let spillDir: ReturnType<typeof tempDirectory>;

beforeAll(async () => {
  database = await createTestDatabase();
  proxy = await TcpProxy.reserve(targetOf(database.url));
  await proxy.listen();
  // Through the proxy, so the test can take the database away and bring it back without touching the server.
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

it('loses nothing through a 60 s outage at 1,000 spans/s with the spill on: every span lands exactly once', async () => {
  const processor = new AgentSpanProcessor({
    dataSource,
    // A queue far smaller than the outage: 75,000 records cannot wait in memory, the spill has to take them.
    queue: {
      maxQueueSize: 15_000,
      maxBatchSize: 1_000,
      flushIntervalMs: 50,
      retry: { initialBackoffMs: 10, maxBackoffMs: 100 },
    },
    breaker: { failureThreshold: 3, cooldownMs: 200, maxCooldownMs: 1_000 },
    spill: { directory: spillDir.path },
    staleRuns: false,
  });
  const tracer = new BasicTracerProvider({ spanProcessors: [processor] }).getTracer(TRACER_NAME);

  await proxy.close(); // the database goes away
  // The outage's 60 seconds, compressed: each second's 1,000 spans, then a pause in which the spill takes them (long
  // enough for a loaded machine: with 40 ms, a full test run on two cores once left the spill behind the queue).
  for (let second = 0; second < SECONDS; second++) {
    emitRuns(tracer, RUNS_PER_SECOND, `second ${second}`);
    await sleep(100);
  }
  const expectedRecords = SECONDS * RUNS_PER_SECOND * RECORDS_PER_RUN;

  const whileDown = await processor.flush(500);
  expect(whileDown.complete).toBe(false);
  const down = processor.stats();
  expect(down).toMatchObject({ recorded: expectedRecords, written: 0, droppedTotal: 0 });
  expect(down.spilled).toBeGreaterThan(expectedRecords - 15_000); // nearly all of it went to disk
  expect(down.recorded).toBe(down.written + down.droppedTotal + down.queueDepth + down.inFlight + down.spillPending);
  const health = processor.health();
  expect(health.breaker.state).not.toBe('closed');
  expect(health.spill.records).toBe(down.spilled);
  expect(spillFilesIn(spillDir.path).length).toBeGreaterThan(0);

  await proxy.listen(); // the database is back
  const up = await processor.flush(120_000);
  expect(up).toEqual({ complete: true, pending: 0 });

  const after = processor.stats();
  expect(after).toMatchObject({
    recorded: expectedRecords,
    written: expectedRecords,
    droppedTotal: 0,
    spillPending: 0,
    queueDepth: 0,
    inFlight: 0,
  });
  const counts = await executionCounts(dataSource);
  expect(counts.rows).toBe(SECONDS * SPANS_PER_SECOND);
  expect(counts.spans).toBe(SECONDS * SPANS_PER_SECOND);
  // Final records beat the agents' start records whatever order they landed in.
  expect(counts.byStatus).toEqual({ completed: SECONDS * SPANS_PER_SECOND });
  expect(processor.health().breaker.state).toBe('closed');
  expect(spillFilesIn(spillDir.path)).toEqual([]);
  await processor.shutdown();
}, 240_000);
