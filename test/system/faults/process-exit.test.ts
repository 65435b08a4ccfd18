/**
 * A whole application process under faults, run with `--unhandled-rejections=strict`: no unhandled rejection or
 * uncaught error anywhere, every call answered as without telemetry, shutdown() bounded even with the database hung,
 * and then the process exits on its own.
 */
import type { ChildProcess } from 'node:child_process';
import type { AgentSpanProcessorStats } from '../../../src/export/types';
import type { FlushResult } from '../../../src/pipeline/types';
import { firstJsonLine, spawnTypeScript } from '../../support/child-process';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { storedSpans } from './support/rig';

const SCRIPT = 'test/system/faults/support/fault-process.ts';
const STRICT = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --unhandled-rejections=strict`.trim() };

interface Report {
  identical: boolean;
  calls: number;
  beforeHang: FlushResult;
  stats: AgentSpanProcessorStats;
  shutdownMs: number;
  resets: number;
  idleConnections: number;
  idleFailures: number;
  warnings: string[];
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Collects stderr and resolves on exit; kills the child if it has not exited after `timeoutMs`. */
function exitOf(child: ChildProcess, timeoutMs: number): Promise<Exit & { timedOut: boolean }> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let timedOut = false;
    timer.unref();
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      timedOut = signal === 'SIGKILL';
      resolve({ code, signal, stderr, timedOut });
    });
  });
}

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.close();
});

it('lives through cuts, resets and a hang without an unhandled rejection, and exits by itself after shutdown()', async () => {
  const child = spawnTypeScript(SCRIPT, { ...STRICT, FAULT_DATABASE_URL: database.url }, ['scenario']);
  const exit = exitOf(child, 120_000);
  const report = await firstJsonLine<Report>(child, 100_000);
  const reportedAt = Date.now();
  const { code, signal, stderr, timedOut } = await exit;

  // It exited on its own, cleanly, soon after shutdown() returned: nothing (pool, proxy, timers) held it open.
  expect({ code, signal, timedOut, stderr: stderr.slice(0, 2_000) }).toEqual({
    code: 0,
    signal: null,
    timedOut: false,
    stderr: '',
  });
  expect(Date.now() - reportedAt).toBeLessThan(10_000);

  expect(report.calls).toBe(1_200);
  expect(report.identical).toBe(true);
  expect(report.resets).toBeGreaterThan(0);
  // Idle pooled connections were reset under the pool: reported, not fatal.
  expect(report.idleConnections).toBeGreaterThan(0);
  expect(report.idleFailures).toBeGreaterThan(0);
  expect(report.beforeHang.complete).toBe(true);
  // shutdown() kept to its time box (3 s) although the database never answered.
  expect(report.shutdownMs).toBeLessThan(3_000 + 2_000);

  // Every record is accounted for: written, or dropped with a reason (what the hang held, as `shutdown`).
  const { stats } = report;
  expect(stats.recorded).toBe(stats.written + stats.droppedTotal);
  expect(stats.queueDepth + stats.inFlight).toBe(0);
  expect(stats.dropped.shutdown).toBeGreaterThan(0);
  expect(stats.droppedTotal).toBe(stats.dropped.shutdown + stats.dropped.queue_full);

  // And what was written is stored once.
  const stored = await storedSpans(database.url);
  expect([...stored.values()].filter((span) => span.copies !== 1)).toEqual([]);
  expect(stored.size).toBeGreaterThanOrEqual(1_000 * 4);
}, 150_000);

it('really runs its child strictly: an unhandled rejection there ends the process with an error', async () => {
  const child = spawnTypeScript(SCRIPT, STRICT, ['probe']);
  const { code, stderr } = await exitOf(child, 30_000);
  expect(code).not.toBe(0);
  expect(stderr).toContain('an unhandled rejection, on purpose');
});
