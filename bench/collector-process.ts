/**
 * One `agentspan collect` process for the ingest benchmark: a collector on a free port writing to the database in
 * AGENTSPAN_BENCH_DATABASE_URL (migrated), printing `{ "url": … }` once it listens; SIGTERM closes it.
 *
 *   node -r ts-node/register/transpile-only bench/collector-process.ts
 */
import { startCollectorService } from '../src/collect/collector-service';

async function main(): Promise<void> {
  const databaseUrl = process.env.AGENTSPAN_BENCH_DATABASE_URL;
  if (!databaseUrl) throw new Error('AGENTSPAN_BENCH_DATABASE_URL is not set');
  const service = await startCollectorService({ port: 0, databaseUrl, migrate: false, processor: { warnings: false } });
  process.stdout.write(`${JSON.stringify({ url: service.collector.url })}\n`);
  process.once('SIGTERM', () => {
    void service.close().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
