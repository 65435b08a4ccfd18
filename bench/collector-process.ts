/**
 * One `agentspan collect` process for the ingest benchmark: a collector on a free port writing to the database in
 * AGENTSPAN_BENCH_DATABASE_URL (migrated), printing `{ "url": …, "workers": n }` once it listens; SIGTERM or the end of
 * stdin closes it. BENCH_WORKERS and BENCH_PROCESSOR (JSON) override its worker threads and processor options.
 *
 *   node -r ts-node/register/transpile-only bench/collector-process.ts
 */
import { startCollectorService } from '../src/collect/collector-service';

async function main(): Promise<void> {
  const databaseUrl = process.env.AGENTSPAN_BENCH_DATABASE_URL;
  if (!databaseUrl) throw new Error('AGENTSPAN_BENCH_DATABASE_URL is not set');
  const service = await startCollectorService({
    port: 0,
    databaseUrl,
    migrate: false,
    ...(process.env.BENCH_WORKERS ? { workers: Number(process.env.BENCH_WORKERS) } : {}),
    processor: { warnings: false, ...(process.env.BENCH_PROCESSOR ? JSON.parse(process.env.BENCH_PROCESSOR) : {}) },
  });
  const health = (await (await fetch(`${service.collector.url}healthz`)).json()) as { workers?: unknown[] };
  const workers = health.workers?.length ?? 0;
  process.stdout.write(`${JSON.stringify({ url: service.collector.url, workers })}\n`);
  const stop = () => void service.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  // stopChild (test/support/child-process) closes stdin to say stop.
  process.stdin.once('end', stop).resume();
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
