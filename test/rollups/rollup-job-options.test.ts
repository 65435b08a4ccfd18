import { diag, DiagLogLevel } from '@opentelemetry/api';
import { resolveRollupOptions, RollupJob, ROLLUP_DEFAULTS } from '../../src/rollups/rollup-job';
import type { RefreshRollupsResult } from '../../src/rollups/hourly-rollups';

const DONE: RefreshRollupsResult = { refreshed: true, hours: 1, rows: 2, watermark: new Date(0) };

/** A refresh the test controls: each call waits for the test to settle it. */
function controlledRefresh() {
  const calls: Array<{ resolve: (result: RefreshRollupsResult) => void; reject: (error: Error) => void }> = [];
  let notify: (() => void) | undefined;
  const refresh = () =>
    new Promise<RefreshRollupsResult>((resolve, reject) => {
      calls.push({ resolve, reject });
      notify?.();
    });
  const nextCall = (count: number) =>
    new Promise<void>((resolve) => {
      notify = () => calls.length >= count && resolve();
      notify();
    });
  return { refresh, calls, nextCall };
}

describe('RollupJob', () => {
  const warnings: string[] = [];
  beforeAll(() => {
    const record = (message: string) => warnings.push(message);
    diag.setLogger(
      { error: record, warn: record, info: () => {}, debug: () => {}, verbose: () => {} },
      DiagLogLevel.WARN,
    );
  });
  afterAll(() => diag.disable());

  it('refreshes on its timer, again after a failure (reported through diag), and stops for good', async () => {
    const { refresh, calls, nextCall } = controlledRefresh();
    const job = new RollupJob(refresh, 5);
    job.start();
    await nextCall(1);
    calls[0]!.reject(new Error('database gone'));
    await nextCall(2);
    expect(warnings.join('\n')).toMatch(/refreshing the hourly rollups failed, will try again: Error: database gone/);
    calls[1]!.resolve(DONE);
    await nextCall(3);
    const stopped = job.stop();
    calls[2]!.resolve(DONE);
    await stopped;
    await job.stop();
    expect(await job.runOnce()).toBeUndefined();
    expect(calls).toHaveLength(3);
  });

  it('never repeats a database password an error carries', async () => {
    warnings.length = 0;
    const job = new RollupJob(
      () => Promise.reject(new Error('connect ECONNREFUSED postgres://agent:s3cret@db.internal:5432/runs')),
      60_000,
    );
    await job.runOnce();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('db.internal');
    expect(warnings[0]).not.toContain('s3cret');
  });

  it('warns once about a failure that repeats, and again after a success', async () => {
    warnings.length = 0;
    let outcome: Error | undefined = new Error('relation "agent_metrics_hourly" does not exist');
    const job = new RollupJob(() => (outcome ? Promise.reject(outcome) : Promise.resolve(DONE)), 60_000);
    await job.runOnce();
    await job.runOnce();
    expect(warnings).toHaveLength(1);
    outcome = undefined;
    await job.runOnce();
    outcome = new Error('relation "agent_metrics_hourly" does not exist');
    await job.runOnce();
    expect(warnings).toHaveLength(2);
    await job.stop();
  });

  it('never runs two refreshes at once, nor while the database is unusable', async () => {
    const { refresh, calls } = controlledRefresh();
    let usable = false;
    const job = new RollupJob(refresh, 60_000, () => usable);
    expect(await job.runOnce()).toBeUndefined();
    usable = true;
    const first = job.runOnce();
    expect(await job.runOnce()).toBeUndefined();
    calls[0]!.resolve(DONE);
    expect(await first).toBe(DONE);
    expect(calls).toHaveLength(1);
    await job.stop();
  });
});

describe('rollups option', () => {
  it('defaults, turns off with false, and names what is wrong', () => {
    expect(resolveRollupOptions(undefined)).toEqual(ROLLUP_DEFAULTS);
    expect(resolveRollupOptions(false)).toBeUndefined();
    expect(resolveRollupOptions({ intervalMs: 1_000 })).toEqual({ intervalMs: 1_000, overlapMs: 600_000 });
    expect(() => resolveRollupOptions(true)).toThrow('agentspan: option rollups must be an object or false, got true');
    expect(() => resolveRollupOptions({ every: 5 })).toThrow('agentspan: unknown rollups option every');
    expect(() => resolveRollupOptions({ intervalMs: 0 })).toThrow(
      /option rollups\.intervalMs must be a number of milliseconds from 1/,
    );
    expect(() => resolveRollupOptions({ overlapMs: -1 })).toThrow(
      /option rollups\.overlapMs must be a number of milliseconds from 0/,
    );
  });
});
