import 'reflect-metadata';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AgentSpanProcessor } from '../../../src/export/agent-span-processor';
import { createAgentspanDataSource } from '../../../src/store/connection/data-source';
import { runMigrations } from '../../../src/store/connection/migrate';
import { createTestDatabase } from '../../support/database';
import { FaultProxy } from '../../support/fault-proxy';
import { FAST_QUEUE, onServer, spanWriteStatement, waitUntil } from './support/rig';
import { range, runTasks, SPANS_PER_RUN } from './support/workload';

/*
 * agentspan's own DataSource bounds every call (connect, query and idle timeouts, see data-source.ts), but a
 * DataSource the application passes in carries the application's settings, often none. A write on it whose
 * statement gets no reply would wait forever; the pipeline's deadline per write attempt (queue.writeTimeoutMs)
 * abandons it and retries the batch on another connection, which is safe as the writer is idempotent, and the
 * writer's own transaction limits (writer.statementTimeoutMs) have the server end the abandoned transaction, whose
 * trace locks the retry needs.
 */
onServer(
  'retries a write on an application DataSource without timeouts when the database stops answering, and stores it once',
  'the embedded server runs every connection in one session, so a transaction abandoned on one is not rolled back apart from the retry',
  async () => {
    const database = await createTestDatabase();
    const proxy = await FaultProxy.forUrl(database.url);
    const migrator = await createAgentspanDataSource({ url: database.url, poolSize: 1 });
    await runMigrations(migrator);
    await migrator.destroy();
    // The application's DataSource, as applications configure it: no timeouts at all.
    const application = new DataSource({ type: 'postgres', url: proxy.urlFor(database.url), poolSize: 2 });
    await application.initialize();
    const processor = new AgentSpanProcessor({
      dataSource: application,
      queue: { ...FAST_QUEUE, writeTimeoutMs: 2_000 },
      // The server ends the hung transaction (statement, then idle-in-transaction timeout) and frees its trace locks.
      writer: { statementTimeoutMs: 1_000 },
      shutdownTimeoutMs: 500,
    });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [processor] }));
    try {
      await runTasks(range(0, 2));
      expect((await processor.flush(10_000)).complete).toBe(true);

      const hung = proxy.hangNextReply(spanWriteStatement);
      await runTasks(range(10, 5));
      await hung;
      await waitUntil(() => processor.stats().retried >= 1, 10_000, 'a retry of the hung write');
      expect((await processor.flush(20_000)).complete).toBe(true);
      const stats = processor.stats();
      expect(stats).toMatchObject({ droppedTotal: 0, queueDepth: 0, inFlight: 0 });
      // The attempt timed out, and its connection was closed under it (so the server rolled it back).
      expect(stats.lastError).toMatch(/longer than 2000 ms|Connection terminated/);
      // Every span stored once: the abandoned attempt never committed.
      const direct = new Client({ connectionString: database.url });
      await direct.connect();
      try {
        const { rows } = await direct.query(
          'SELECT count(*)::int AS spans, count(DISTINCT (trace_id, span_id))::int AS distinct FROM agent_executions',
        );
        expect(rows[0]).toEqual({ spans: 7 * SPANS_PER_RUN, distinct: 7 * SPANS_PER_RUN });
      } finally {
        await direct.end();
      }
    } finally {
      await processor.shutdown();
      trace.disable();
      context.disable();
      await application.destroy();
      await proxy.close();
      await database.close();
    }
  },
);
