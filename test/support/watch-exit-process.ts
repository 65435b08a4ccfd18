/**
 * A process that watches runs (AGENTSPAN_TEST_URL, already migrated) and must then exit by itself: the watch may
 * not keep it alive. Mode `break`: the first change ends a `for await` loop with break. Mode `idle`: one next(),
 * then nobody iterates any more and nothing is closed but the DataSource. Prints {"events": n} and returns.
 */
import 'reflect-metadata';
import { AgentRunRepository } from '../../src/query/agent-run-repository';
import { currentWatchCursor } from '../../src/query/watch/watch-runs';
import { createAgentspanDataSource } from '../../src/store/connection/data-source';
import { SpanWriter } from '../../src/store/write/span-writer';
import { newTraceId, runningSpan } from './span-records';

async function main(): Promise<void> {
  const mode = process.argv[2];
  const dataSource = await createAgentspanDataSource({ url: process.env.AGENTSPAN_TEST_URL, poolSize: 1 });
  const after = await currentWatchCursor(dataSource);
  const watch = new AgentRunRepository(dataSource).watch({ agent: 'ExitAgent', after });
  await new SpanWriter(dataSource).write([
    runningSpan({ traceId: newTraceId(), kind: 'agent', execution: { agentName: 'ExitAgent' } }),
  ]);
  let events = 0;
  if (mode === 'break') {
    for await (const change of watch) {
      if (change.type === 'started') events++;
      break;
    }
  } else {
    if ((await watch.next()).done !== true) events++;
  }
  await dataSource.destroy();
  process.stdout.write(`${JSON.stringify({ events })}\n`);
}

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: String((error as Error).message ?? error) })}\n`);
  process.exitCode = 1;
});
