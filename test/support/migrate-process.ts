/**
 * Runs agentspan's migrations against AGENTSPAN_TEST_URL from a separate process (for the concurrent-migrators
 * test) and prints one JSON line: {"applied": [names…]} or {"error": message}.
 */
import 'reflect-metadata';
import { createAgentspanDataSource } from '../../src/store/connection/data-source';
import { runMigrations } from '../../src/store/connection/migrate';

async function main(): Promise<void> {
  const dataSource = await createAgentspanDataSource({ url: process.env.AGENTSPAN_TEST_URL, poolSize: 1 });
  try {
    const applied = await runMigrations(dataSource);
    process.stdout.write(`${JSON.stringify({ applied })}\n`);
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: String((error as Error).message ?? error) })}\n`);
  process.exitCode = 1;
});
