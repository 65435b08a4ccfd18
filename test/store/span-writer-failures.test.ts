import 'reflect-metadata';
import { Client } from 'pg';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { suppressionProbe } from '../support/suppression-probe';
import { createAgentspanDataSource } from '../../src/store/connection/data-source';
import { isTransientError, SpanWriteError } from '../../src/store/connection/errors';
import { runMigrations } from '../../src/store/connection/migrate';
import { SpanWriter } from '../../src/store/write/span-writer';
import { TRACE_LOCK_NAMESPACE, traceLockBucket } from '../../src/store/write/trace-locks';
import { createTestDatabase, startEmbeddedTestServer } from '../support/database';
import { finalSpan, llmSpan, newTraceId } from '../support/span-records';

describe('SpanWriter when the database fails', () => {
  it('rejects the whole write with a transient error when the database goes away, so the pipeline retries', async () => {
    const server = await startEmbeddedTestServer();
    const dataSource = await createAgentspanDataSource({ url: server.url, poolSize: 1, connectTimeoutMs: 2_000 });
    try {
      await runMigrations(dataSource);
      const writer = new SpanWriter(dataSource);
      expect((await writer.write([finalSpan({ traceId: newTraceId() })])).written).toBe(1);

      await server.close();
      const secret = 'record-content-that-must-not-leak';
      const failure = await writer
        .write([finalSpan({ traceId: newTraceId(), execution: { errorMessage: secret } })])
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(failure).toBeInstanceOf(SpanWriteError);
      expect(isTransientError(failure)).toBe(true);
      expect((failure as SpanWriteError).transient).toBe(true);
      expect(JSON.stringify(failure)).not.toContain(secret);
      expect((failure as Error).message).not.toContain(secret);
    } finally {
      if (dataSource.isInitialized) await dataSource.destroy();
      await server.close();
    }
  });

  it('rejects the whole write, not the rows, when the schema is missing, as worth retrying once migrated', async () => {
    const database = await createTestDatabase({ empty: true });
    const dataSource = await createAgentspanDataSource({ url: database.url, poolSize: 1 });
    try {
      const failure = await new SpanWriter(dataSource).write([finalSpan({ traceId: newTraceId() })]).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(SpanWriteError);
      expect(failure).toMatchObject({ sqlState: '42P01', transient: true });
      expect(isTransientError(failure)).toBe(true);
    } finally {
      await dataSource.destroy();
      await database.close();
    }
  });
});

describe('SpanWriter waiting for a trace lock', () => {
  // Server only: PGlite shares one session between connections (advisory locks are re-entrant there) and runs one
  // query at a time.
  const onServer = process.env.DATABASE_URL ? it : it.skip;

  onServer(
    'gives up after its statementTimeoutMs (lock_timeout) with a transient error, rather than waiting forever',
    async () => {
      const database = await createTestDatabase();
      const dataSource = await createAgentspanDataSource({ url: database.url, poolSize: 2 });
      // Another transaction holds the trace's lock and never lets go, like a write whose client stopped answering.
      const holder = new Client({ connectionString: database.url });
      try {
        await runMigrations(dataSource);
        const traceId = newTraceId();
        await holder.connect();
        await holder.query('BEGIN');
        await holder.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [
          TRACE_LOCK_NAMESPACE,
          traceLockBucket(traceId),
        ]);
        const writer = new SpanWriter(dataSource, { statementTimeoutMs: 300 });
        const failure = await writer.write([finalSpan({ traceId })]).then(
          () => undefined,
          (error: unknown) => error,
        );
        expect(failure).toBeInstanceOf(SpanWriteError);
        expect(failure).toMatchObject({ transient: true });
        // lock_not_available, or query_canceled: both limits are the same 300 ms, and either may fire first.
        expect(['55P03', '57014']).toContain((failure as SpanWriteError).sqlState);
        await holder.query('ROLLBACK');
        expect((await writer.write([finalSpan({ traceId })])).written).toBe(1);
      } finally {
        await holder.end().catch(() => undefined);
        await dataSource.destroy();
        await database.close();
      }
    },
    20_000,
  );
});

describe('SpanWriter and tracing', () => {
  const probe = suppressionProbe();
  const suppressedAtQuery = probe.seen;
  beforeAll(() => probe.install());
  afterAll(() => probe.uninstall());

  it('runs every database call of migrations and writes with tracing suppressed', async () => {
    const database = await createTestDatabase();
    try {
      await context.with(ROOT_CONTEXT, async () => {
        const dataSource = await createAgentspanDataSource({ url: database.url, poolSize: 2 });
        try {
          suppressedAtQuery.length = 0;
          await runMigrations(dataSource);
          const traceId = newTraceId();
          const agent = finalSpan({ traceId });
          const result = await new SpanWriter(dataSource).write([agent, llmSpan(traceId, agent.execution.spanId)]);
          expect(result.rejected).toEqual([]);

          expect(suppressedAtQuery.length).toBeGreaterThan(5);
          expect(suppressedAtQuery.every(Boolean)).toBe(true);
          // And the application's own context is untouched afterwards.
          expect(isTracingSuppressed(context.active())).toBe(false);
        } finally {
          await dataSource.destroy();
        }
      });
    } finally {
      await database.close();
    }
  });
});
