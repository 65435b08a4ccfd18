/**
 * Exercises the embedded store end to end in a plain node process (PGlite cannot start inside jest's sandbox; see
 * embedded-server-process.ts). argv[2] = data directory, argv[3] = trace id to write, argv[4] = trace id whose
 * stored executions to count. Prints one JSON line.
 */
import 'reflect-metadata';
import { createEmbeddedDataSource } from '../../src/store/connection/embedded';
import { runMigrations } from '../../src/store/connection/migrate';
import { SpanWriter } from '../../src/store/write/span-writer';
import { finalSpan, llmSpan } from './span-records';

async function main(): Promise<void> {
  const [dataDir, writeTraceId, countTraceId] = process.argv.slice(2);
  const embedded = await createEmbeddedDataSource({ dataDir });
  try {
    const applied = await runMigrations(embedded.dataSource);
    let written = 0;
    if (writeTraceId && writeTraceId !== '-') {
      const agent = finalSpan({ traceId: writeTraceId });
      const result = await new SpanWriter(embedded.dataSource).write([
        agent,
        llmSpan(writeTraceId, agent.execution.spanId),
      ]);
      written = result.written;
    }
    const [{ count }] = await embedded.dataSource.query(
      `SELECT count(*)::int AS count FROM agent_executions WHERE trace_id = $1`,
      [countTraceId],
    );
    const poolSize = (embedded.dataSource.options as { poolSize?: number }).poolSize;
    process.stdout.write(`${JSON.stringify({ applied, written, count, poolSize, url: embedded.url })}\n`);
  } finally {
    await embedded.close();
  }
}

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: String((error as Error).stack ?? error) })}\n`);
  process.exitCode = 1;
});
