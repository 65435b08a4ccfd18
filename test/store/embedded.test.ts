import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentspanMigrations } from '../../migrations';
import { firstJsonLine, spawnTypeScript, stopChild } from '../support/child-process';
import { newTraceId } from '../support/span-records';

interface RoundTrip {
  applied?: string[];
  written?: number;
  count?: number;
  poolSize?: number;
  url?: string;
  error?: string;
}

/** One run of the embedded store in a fresh node process (see embedded-roundtrip-process.ts). */
async function runEmbedded(dataDir: string, writeTraceId: string, countTraceId: string): Promise<RoundTrip> {
  const child = spawnTypeScript('test/support/embedded-roundtrip-process.ts', {}, [
    dataDir,
    writeTraceId,
    countTraceId,
  ]);
  try {
    return await firstJsonLine<RoundTrip>(child, 45_000);
  } finally {
    await stopChild(child);
  }
}

describe('embedded store (PGlite behind a local socket)', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = join(mkdtempSync(join(tmpdir(), 'agentspan-embedded-')), 'pgdata');
  });

  afterAll(() => {
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
  });

  it('migrates, writes through the ordinary pg path with one connection, and keeps the data on disk', async () => {
    const traceId = newTraceId();
    const first = await runEmbedded(dataDir, traceId, traceId);
    expect(first.error).toBeUndefined();
    expect(first).toMatchObject({
      applied: agentspanMigrations.map((migration) => migration.name),
      written: 2,
      count: 2,
      poolSize: 1,
    });
    expect(first.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(readdirSync(dataDir)).toContain('PG_VERSION');

    // A second process opens the same directory: the schema is current and the rows are there.
    const second = await runEmbedded(dataDir, '-', traceId);
    expect(second.error).toBeUndefined();
    expect(second).toMatchObject({ applied: [], written: 0, count: 2 });
  });
});
