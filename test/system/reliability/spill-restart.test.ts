import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { AgentSpanProcessor } from '../../../src/export/agent-span-processor';
import type { AgentSpanProcessorStats } from '../../../src/export/types';
import { firstJsonLine, spawnTypeScript } from '../../support/child-process';
import { createStoreFixture, type StoreFixture } from '../../support/store-fixture';
import { TcpProxy, targetOf } from '../../support/tcp-proxy';
import { eventually, executionCounts, RECORDS_PER_RUN, SPANS_PER_RUN, spillFilesIn, tempDirectory } from './support';

const RUNS = 1_500;

let store: StoreFixture;
let spillDir: ReturnType<typeof tempDirectory>;

beforeAll(async () => {
  store = await createStoreFixture();
  spillDir = tempDirectory();
});

afterAll(async () => {
  await store?.close();
  spillDir?.cleanup();
});

/** Runs the crashing child and waits for it to be gone; resolves with the stats it printed before it died. */
async function crashedProcessSpilled(): Promise<AgentSpanProcessorStats> {
  const down = await TcpProxy.reserve(targetOf(store.database.url)); // a port nothing listens on
  const child: ChildProcess = spawnTypeScript('test/system/reliability/fixtures/spill-then-crash.ts', {
    SPILL_DIR: spillDir.path,
    DOWN_URL: down.urlFor(store.database.url),
    RUNS: String(RUNS),
  });
  const exited = new Promise<string | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const stats = await firstJsonLine<AgentSpanProcessorStats>(child, 60_000);
  expect(await exited).toBe('SIGKILL');
  return stats;
}

it('a new process replays what a crashed process spilled, exactly once, even with two replaying at once', async () => {
  const crashed = await crashedProcessSpilled();
  const expected = RUNS * RECORDS_PER_RUN;
  expect(crashed).toMatchObject({ recorded: expected, spilled: expected, written: 0, droppedTotal: 0 });
  const leftBehind = readdirSync(spillDir.path);
  expect(spillFilesIn(spillDir.path).length).toBeGreaterThan(0);
  expect(leftBehind.some((name) => name.endsWith('.lock'))).toBe(true); // the dead process never released its session

  // Two processors start on the same directory at once, as two restarted workers would.
  const options = {
    dataSource: store.dataSource,
    spill: { directory: spillDir.path, rescanIntervalMs: 100 },
    staleRuns: false as const,
  };
  const first = new AgentSpanProcessor(options);
  const second = new AgentSpanProcessor(options);
  try {
    const recovered = () => first.stats().recovered + second.stats().recovered;
    await eventually('the spilled records to be replayed', () => recovered() >= expected, 90_000);
    await eventually('the spill files to be deleted', () => spillFilesIn(spillDir.path).length === 0);
    // Each file went to one of them: had both replayed a file, the total would exceed what was spilled.
    expect(recovered()).toBe(expected);
    for (const processor of [first, second]) {
      // Recovered records are not theirs: their own counters stay consistent and at zero.
      expect(processor.stats()).toMatchObject({ recorded: 0, written: 0, droppedTotal: 0, spillPending: 0 });
    }
    const counts = await executionCounts(store.dataSource);
    expect(counts).toEqual({
      rows: RUNS * SPANS_PER_RUN,
      spans: RUNS * SPANS_PER_RUN,
      byStatus: { completed: RUNS * SPANS_PER_RUN },
    });
    // The dead session's lock file is cleaned up once it owns nothing.
    const deadLock = leftBehind.find((name) => name.endsWith('.lock'))!;
    await eventually('the dead session lock to be removed', () => !existsSync(join(spillDir.path, deadLock)), 10_000);
  } finally {
    await Promise.all([first.shutdown(), second.shutdown()]);
  }
  expect(readdirSync(spillDir.path)).toEqual([]);
}, 180_000);
