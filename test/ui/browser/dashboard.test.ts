import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { UiServer } from '../../../src/ui/server/ui-server';
import { agentRun, decisionRecord, seed } from '../../query/run-seeds';
import { hasChromium, launchChromium } from '../../support/browser';
import { finalSpan, llmSpan, runningSpan } from '../../support/span-records';
import { createStoreFixture, type StoreFixture } from '../../support/store-fixture';
import { serveUi } from '../server/ui-fixture';

/**
 * The dashboard in Debian's Chromium: the pages a user opens, against a real database and the real server. Each test
 * writes a screenshot of its page to .artifacts/screenshots/ (docs/images/dashboard-run.png is one of them).
 */
const SCREENSHOTS = join(__dirname, '../../../.artifacts/screenshots');
const XSS = '<img src=x onerror="window.__xss=1"></script><script>window.__xss=2</script>';
const today = new Date();
const daysAgo = (days: number, minute = 0) =>
  new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - days, 9, minute));

let store: StoreFixture;
let server: UiServer;
let browser: Browser;
let page: Page;
let waterfallTrace: string;
const stepIds: string[] = [];

const describeInBrowser = hasChromium ? describe : describe.skip;

describeInBrowser('dashboard', () => {
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    store = await createStoreFixture();
    // Runs on three days, one failed; a run of three steps whose last output is hostile; a decision.
    const planner = agentRun({ agentName: 'Planner', startedAt: daysAgo(2) });
    planner.decisions = [decisionRecord(0, { name: 'channel', confidence: 0.8, occurredAt: daysAgo(2) })];
    const root = agentRun({ agentName: 'Writer', startedAt: daysAgo(0, 5) });
    waterfallTrace = root.execution.traceId;
    root.execution.completedAt = new Date(daysAgo(0, 5).getTime() + 3_000);
    if (root.performance) root.performance.durationMs = 3_000;
    const steps = [0, 1, 2].map((index) =>
      llmSpan(
        waterfallTrace,
        root.execution.spanId,
        { durationMs: 800 },
        {
          name: `chat step ${index}`,
          agentName: 'Writer',
          startedAt: new Date(daysAgo(0, 5).getTime() + 1_000 * index + 100),
          completedAt: new Date(daysAgo(0, 5).getTime() + 1_000 * index + 900),
          input: JSON.stringify({ question: `input of step ${index}` }),
          output: JSON.stringify({ answer: index === 2 ? XSS : `output ${index}` }),
        },
      ),
    );
    stepIds.push(...steps.map((step) => step.execution.spanId));
    await seed(store.dataSource, [
      planner,
      agentRun({ agentName: 'Researcher', startedAt: daysAgo(1), status: 'failed' }),
      root,
      ...steps,
    ]);
    server = await serveUi(store.dataSource);
    browser = await launchChromium();
  });

  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });

  afterEach(async () => {
    await page?.close();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await store?.close();
  });

  const open = (path: string) => page.goto(new URL(path, server.url).toString());
  const statusOf = (traceId: string) =>
    page.locator(`[data-testid="run-row"][data-trace-id="${traceId}"] [data-testid="run-status"]`);

  it('shows a running run as it starts, and turns it completed without a reload', async () => {
    await open('/');
    await page.locator('[data-testid="run-row"]').first().waitFor();
    const started = daysAgo(0, 30);
    const running = runningSpan({ traceId: 'f'.repeat(32), execution: { agentName: 'LiveAgent', startedAt: started } });
    await seed(store.dataSource, [running]);
    await statusOf(running.execution.traceId).filter({ hasText: 'running' }).waitFor({ timeout: 10_000 });
    await seed(store.dataSource, [
      finalSpan({
        traceId: running.execution.traceId,
        spanId: running.execution.spanId,
        execution: { agentName: 'LiveAgent', startedAt: started, completedAt: new Date(started.getTime() + 2_000) },
      }),
    ]);
    await statusOf(running.execution.traceId).filter({ hasText: 'completed' }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(SCREENSHOTS, 'runs.png') });
  });

  it('misses no run that starts between reading the table and the live feed connecting', async () => {
    // Hold the page's /api/live request until a run has started: the feed must go on from where the table was read.
    let requested!: (url: string) => void;
    const liveRequested = new Promise<string>((resolve) => (requested = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/live**', async (route) => {
      requested(route.request().url());
      await held;
      await route.continue();
    });
    await open('/');
    await page.locator('[data-testid="run-row"]').first().waitFor();
    expect(new URL(await liveRequested).searchParams.get('after')).toMatch(/.+/);
    const started = daysAgo(0, 40);
    const run = runningSpan({ traceId: 'e'.repeat(32), execution: { agentName: 'LateAgent', startedAt: started } });
    await seed(store.dataSource, [run]);
    release();
    await statusOf(run.execution.traceId).filter({ hasText: 'running' }).waitFor({ timeout: 10_000 });
  });

  it('narrows the table with filters that stay in the address and survive a reload', async () => {
    await open('/');
    await page.getByTestId('filter-agent').fill('Planner');
    await page.getByTestId('apply-filters').click();
    await page.waitForURL(/agent=Planner/);
    const agents = () => page.locator('[data-testid="run-row"] [data-testid="run-agent"]').allTextContents();
    // The table re-renders from the API: wait until it shows rows again, every one the filter's agent (an empty
    // table in between is not the answer).
    const filtered = (shown: string[]) => shown.length > 0 && shown.every((agent) => agent === 'Planner');
    for (let waited = 0; waited < 10_000 && !filtered(await agents()); waited += 50) {
      await page.waitForTimeout(50);
    }
    expect(await agents()).toEqual(['Planner']);
    await page.reload();
    await page.locator('[data-testid="run-row"]').first().waitFor();
    expect(await agents()).toEqual(['Planner']);
    expect(await page.getByTestId('filter-agent').inputValue()).toBe('Planner');
  });

  it('draws one waterfall bar per step, in the order the steps started', async () => {
    await open(`/runs/${waterfallTrace}`);
    const bars = page.getByTestId('waterfall-bar');
    await bars.first().waitFor();
    expect(await bars.count()).toBe(4);
    const spanIds = await bars.evaluateAll((elements) => elements.map((bar) => bar.getAttribute('data-span-id')));
    expect(spanIds.slice(1)).toEqual(stepIds);
    const lefts = await bars.evaluateAll((elements) => elements.map((bar) => bar.getBoundingClientRect().left));
    expect(lefts.slice(1)).toEqual([...lefts.slice(1)].sort((a, b) => a - b));
    expect(new Set(lefts.slice(1)).size).toBe(3);
    await page.screenshot({ path: join(SCREENSHOTS, 'run.png') });
  });

  it('shows a step’s input when the step is clicked', async () => {
    await open(`/runs/${waterfallTrace}`);
    await page.locator(`[data-testid="waterfall-bar"][data-span-id="${stepIds[1]}"]`).click();
    await expect(page.getByTestId('step-panel').textContent()).resolves.toContain('input of step 1');
  });

  it('shows a stored XSS payload as text and runs none of it', async () => {
    await open(`/runs/${waterfallTrace}`);
    await page.locator(`[data-testid="waterfall-bar"][data-span-id="${stepIds[2]}"]`).click();
    const panel = page.getByTestId('step-panel');
    await expect(panel.textContent()).resolves.toContain('onerror=\\"window.__xss=1\\"');
    expect(await panel.locator('img, script').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await page.screenshot({ path: join(SCREENSHOTS, 'step.png') });
  });

  it('records an outcome on the decisions page, into the database', async () => {
    await open('/decisions');
    const row = page.getByTestId('decision-row').first();
    await row.waitFor();
    const decisionId = await row.getAttribute('data-decision-id');
    await row.getByTestId('outcome-input').fill('success');
    await row.getByTestId('score-input').fill('0.9');
    await row.getByTestId('record-outcome').click();
    await page.getByTestId('outcome-saved').first().waitFor();
    const [stored] = await store.dataSource.query('SELECT outcome, outcome_score FROM agent_decisions WHERE id = $1', [
      decisionId,
    ]);
    expect(stored).toEqual({ outcome: 'success', outcome_score: 0.9 });
    await page.screenshot({ path: join(SCREENSHOTS, 'decisions.png') });
  });

  it('plots the seeded days on the analytics charts', async () => {
    await open('/analytics');
    const chart = page.getByTestId('chart-runs');
    await chart.locator('canvas').first().waitFor();
    const points = await chart.getAttribute('data-points');
    expect(points).not.toBeNull();
    const byDay = JSON.parse(points!) as Array<[string, number]>;
    const days = byDay.filter(([, count]) => count > 0).map(([day]) => day.slice(0, 10));
    expect(days).toEqual([2, 1, 0].map((ago) => daysAgo(ago).toISOString().slice(0, 10)));
    await page.screenshot({ path: join(SCREENSHOTS, 'analytics.png'), fullPage: true });
  });

  it('lists sessions, and opens a session’s runs from it', async () => {
    await open('/sessions');
    const row = page.getByTestId('session-row').first();
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('session-1');
    await page.screenshot({ path: join(SCREENSHOTS, 'sessions.png') });
    await row.click();
    await page.waitForURL(/sessionId=session-1/);
    await page.locator('[data-testid="run-row"]').first().waitFor();
  });

  it('shows the database as reachable on the health page', async () => {
    await open('/health');
    const database = page.getByTestId('health-database');
    await database.waitFor();
    await expect(database.textContent()).resolves.toMatch(/reachable/i);
    await page.screenshot({ path: join(SCREENSHOTS, 'health.png') });
  });
});
