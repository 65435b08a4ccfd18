import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { createServer, type Server, type Socket } from 'node:net';
import { AgentSpanProcessor } from '../../../src/export/agent-span-processor';
import type { AgentSpanProcessorOptions } from '../../../src/export/types';
import { TRACER_NAME } from '../../../src/semconv/tracer-name';
import { createAgentspanDataSource } from '../../../src/store/connection/data-source';
import { StoreConnection } from '../../../src/store/connection/store-connection';
import { createStoreFixture, type StoreFixture } from '../../support/store-fixture';
import {
  emitRuns,
  eventually,
  executionCounts,
  RECORDS_PER_RUN,
  SPANS_PER_RUN,
  spillFilesIn,
  tempDirectory,
} from './support';

/** A "database" that accepts connections and never answers: every call on it hangs. */
async function blackHole(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/hung`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Fails the test if `promise` does not settle within `ms` (the bound "never hangs" is checked against). */
async function settlesWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, hang]);
  } finally {
    clearTimeout(timer);
  }
}

const RUNS = 200;
const RECORDS = RUNS * RECORDS_PER_RUN;

let store: StoreFixture;
let hung: Awaited<ReturnType<typeof blackHole>>;
let spillDir: ReturnType<typeof tempDirectory>;

beforeAll(async () => {
  store = await createStoreFixture();
  hung = await blackHole();
  spillDir = tempDirectory();
});

afterAll(async () => {
  await hung?.close(); // the hung connection attempts fail now; the processors already gave up on them
  await store?.close();
  spillDir?.cleanup();
});

function processorOnHungDatabase(options: Partial<AgentSpanProcessorOptions>): AgentSpanProcessor {
  const connection = new StoreConnection(
    async () => {
      const dataSource = await createAgentspanDataSource({ url: hung.url, connectTimeoutMs: 600_000 });
      return { dataSource, close: () => dataSource.destroy() };
    },
    { migrate: false },
  );
  return new AgentSpanProcessor({
    connection,
    shutdownTimeoutMs: 1_000,
    queue: { maxBatchSize: 100, flushIntervalMs: 20 },
    staleRuns: false,
    ...options,
  });
}

it('shutdown(timeout) resolves with the database hung, and counts what it could not write as dropped (shutdown)', async () => {
  const processor = processorOnHungDatabase({});
  emitRuns(new BasicTracerProvider({ spanProcessors: [processor] }).getTracer(TRACER_NAME), RUNS);
  await settlesWithin(processor.shutdown(), 10_000);
  const stats = processor.stats();
  expect(stats).toMatchObject({
    recorded: RECORDS,
    written: 0,
    spilled: 0,
    droppedTotal: RECORDS,
    dropped: { shutdown: RECORDS },
  });
  expect(stats.inFlight + stats.queueDepth).toBe(0);
});

it('with the spill on, what is not written by the deadline goes to the spill, and a later process writes it', async () => {
  const processor = processorOnHungDatabase({ spill: { directory: spillDir.path, fsync: 'always' } });
  emitRuns(new BasicTracerProvider({ spanProcessors: [processor] }).getTracer(TRACER_NAME), RUNS);
  await settlesWithin(processor.shutdown(), 10_000);
  const stats = processor.stats();
  // The writes in flight were hanging, the breaker never opened: it all went to the spill at the deadline.
  expect(stats).toMatchObject({
    recorded: RECORDS,
    written: 0,
    spilled: RECORDS,
    droppedTotal: 0,
    spillPending: RECORDS,
  });
  expect(spillFilesIn(spillDir.path).length).toBeGreaterThan(0);

  const next = new AgentSpanProcessor({
    dataSource: store.dataSource,
    spill: { directory: spillDir.path },
    staleRuns: false,
  });
  try {
    await eventually('the spill to be replayed', () => next.stats().recovered === RECORDS);
    await eventually('the spill files to be deleted', () => spillFilesIn(spillDir.path).length === 0);
  } finally {
    await next.shutdown();
  }
  expect(await executionCounts(store.dataSource)).toEqual({
    rows: RUNS * SPANS_PER_RUN,
    spans: RUNS * SPANS_PER_RUN,
    byStatus: { completed: RUNS * SPANS_PER_RUN },
  });
});
