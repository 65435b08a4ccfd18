/**
 * The dashboard in Debian's Chromium (playwright-core): how long a run of 10,000 steps takes to open — from the
 * navigation to its step tree and waterfall drawn and the page idle — and the size of the page's bundle, gzipped.
 * Median of five openings after one to warm up. Needs /usr/bin/chromium (or CHROMIUM_PATH) and a built page.
 *
 *   DATABASE_URL=… node --expose-gc -r ts-node/register/transpile-only bench/section.ts dashboard
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { AgentRunRepository } from '../src/query/agent-run-repository';
import { createAgentspanDataSource } from '../src/store/connection/data-source';
import { runMigrations } from '../src/store/connection/migrate';
import { SpanWriter } from '../src/store/write/span-writer';
import { startUiServer } from '../src/ui/server/ui-server';
import { launchChromium } from '../test/support/browser';
import { createTestDatabase } from '../test/support/database';
import { finalSpan, llmSpan } from '../test/support/span-records';
import { median } from './measure';

const STEPS = 10_000;
const OPENINGS = 5;

export interface DashboardBenchResult {
  steps: number;
  /** Median milliseconds from navigation to tree and waterfall drawn. */
  openRunMs: number;
  /** The same for the runs page (its first 50 runs). */
  openRunsPageMs: number;
  /** The built page's JS and CSS, gzipped, in kB. */
  bundleKbGzipped: number;
}

export async function benchDashboard(): Promise<DashboardBenchResult> {
  const root = join(__dirname, '..');
  execFileSync(process.execPath, [join(root, 'scripts/build-web.mjs'), '--if-missing'], { stdio: 'ignore' });
  const assets = join(root, 'dist/web/assets');
  const bundle = readdirSync(assets).filter((file) => /\.(js|css)$/.test(file));
  const bundleKbGzipped =
    bundle.reduce((sum, file) => sum + gzipSync(readFileSync(join(assets, file))).length, 0) / 1024;

  const database = await createTestDatabase();
  const dataSource = await createAgentspanDataSource({ url: database.url, poolSize: 2, statementTimeoutMs: 0 });
  const browser = await launchChromium();
  try {
    await runMigrations(dataSource);
    const traceId = 'b'.repeat(32);
    const start = Date.now() - 3_600_000;
    const run = finalSpan({
      traceId,
      execution: { agentName: 'LongAgent', startedAt: new Date(start), completedAt: new Date(start + STEPS * 100) },
    });
    const steps = Array.from({ length: STEPS }, (_, index) =>
      llmSpan(
        traceId,
        run.execution.spanId,
        {},
        {
          name: `step ${index}`,
          startedAt: new Date(start + index * 100),
          completedAt: new Date(start + index * 100 + 80),
        },
      ),
    );
    const writer = new SpanWriter(dataSource);
    for (let i = 0; i < steps.length; i += 1_000)
      await writer.write(i === 0 ? [run, ...steps.slice(0, 1_000)] : steps.slice(i, i + 1_000));

    const server = await startUiServer(
      { runs: new AgentRunRepository(dataSource), dataSource: async () => dataSource, tenant: undefined },
      { port: 0 },
    );
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const open = async (path: string, ready: string): Promise<number> => {
      const started = performance.now();
      await page.goto(new URL(path, server.url).toString());
      await page.locator(ready).first().waitFor({ timeout: 60_000 });
      // Two frames: what was laid out is painted.
      await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
      return performance.now() - started;
    };
    const times = async (path: string, ready: string) => {
      await open(path, ready);
      const all: number[] = [];
      for (let i = 0; i < OPENINGS; i++) all.push(await open(path, ready));
      return median(all);
    };
    const openRunMs = await times(`/runs/${traceId}`, '[data-testid="waterfall-bar"]');
    const openRunsPageMs = await times('/', '[data-testid="run-row"]');
    await server.close();
    return { steps: STEPS, openRunMs, openRunsPageMs, bundleKbGzipped };
  } finally {
    await browser.close();
    await dataSource.destroy();
    await database.close();
  }
}
