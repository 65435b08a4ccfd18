import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { WorkerIntake } from '../../src/collect/worker-intake';
import { endedRuns } from '../support/ended-runs';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

/**
 * The collector's worker threads when one of them stops (as an out-of-memory error would stop it): another takes its
 * place, and what it held is counted, never lost silently.
 */
let store: StoreFixture;

beforeAll(async () => {
  store = await createStoreFixture();
});

afterAll(async () => {
  await store?.close();
});

const request = (runs: number) => ({
  body: ProtobufTraceSerializer.serializeRequest(
    endedRuns(runs, {
      scope: 'opentelemetry.instrumentation.openai_v2',
      agent: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'Restarted' },
      call: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini' },
    }),
  )!,
  format: 'protobuf' as const,
  tenant: undefined,
});

const storedRuns = async () =>
  Number(
    (
      await store.dataSource.query(
        `SELECT count(*) AS count FROM agent_executions WHERE agent_name = 'Restarted' AND kind = 'agent'`,
      )
    )[0].count,
  );

it('starts another worker in place of one that stops, and counts what it held as dropped', async () => {
  const intake = await WorkerIntake.start(2, {
    databaseUrl: store.database.url,
    migrate: false,
    // Held in the queues until flushed: what the stopped worker holds is known.
    processor: { queue: { flushIntervalMs: 60_000 }, warnings: false },
    intake: { queueWaitMs: 0, retryAfterSeconds: 1 },
  });
  try {
    // One at a time: each goes to the first of the least busy workers, the first.
    for (let i = 0; i < 3; i++) expect(await intake.take(request(5))).toMatchObject({ taken: true, accepted: 10 });
    expect(intake.stats()).toMatchObject({ recorded: 30, written: 0, queueDepth: 30 });

    await intake.terminateWorker(0);
    for (let waited = 0; intake.perWorker().length < 2 && waited < 30_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(intake.perWorker()).toHaveLength(2);
    // The stopped worker's 30 records are counted as dropped at shutdown; the figures still add up.
    expect(intake.stats()).toMatchObject({ recorded: 30, written: 0, droppedTotal: 30, queueDepth: 0 });
    expect(intake.stats().dropped.shutdown).toBe(30);
    expect(intake.health().counters).toMatchObject({ recorded: 30, droppedTotal: 30 });

    // The new worker takes requests and writes them.
    expect(await intake.take(request(4))).toMatchObject({ taken: true, accepted: 8 });
    expect((await intake.flush(10_000)).complete).toBe(true);
    expect(await storedRuns()).toBe(4);
    const stats = intake.stats();
    expect(stats).toMatchObject({ recorded: 38, written: 8, droppedTotal: 30 });
    expect(stats.recorded).toBe(stats.written + stats.droppedTotal + stats.queueDepth + stats.inFlight);
  } finally {
    await intake.close();
  }
}, 60_000);
