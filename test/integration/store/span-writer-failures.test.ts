import 'reflect-metadata';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { suppressionProbe } from '../../support/suppression-probe';
import { createAgentspanDataSource } from '../../../src/store/data-source';
import { isTransientError, SpanWriteError } from '../../../src/store/errors';
import { runMigrations } from '../../../src/store/migrate';
import { SpanWriter } from '../../../src/store/span-writer';
import { createTestDatabase, startEmbeddedTestServer } from '../../support/database';
import { finalSpan, llmSpan, newTraceId } from '../../support/span-records';

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
      const failure = await writer.write([finalSpan({ traceId: newTraceId(), execution: { errorMessage: secret } })]).then(
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
    const database = await createTestDatabase();
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
