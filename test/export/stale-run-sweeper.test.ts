import { diag, DiagLogLevel } from '@opentelemetry/api';
import { StaleRunSweeper } from '../../src/export/stale-run-sweeper';

describe('StaleRunSweeper', () => {
  const messages: string[] = [];
  beforeAll(() => {
    const record = (message: string) => messages.push(message);
    diag.setLogger({ error: record, warn: record, info: record, debug: record, verbose: record }, DiagLogLevel.ALL);
  });
  afterAll(() => diag.disable());
  beforeEach(() => {
    messages.length = 0;
  });

  it('counts what a check abandons and reports it', async () => {
    const sweeper = new StaleRunSweeper(
      () => Promise.resolve(3),
      60_000,
      () => true,
    );
    expect(await sweeper.runOnce()).toBe(3);
    expect(await sweeper.runOnce()).toBe(3);
    expect(sweeper.abandoned).toBe(6);
    expect(messages.join('\n')).toMatch(/marked 3 stale running execution\(s\) as abandoned/);
  });

  it('never repeats a database password a failed check carries, and never rejects', async () => {
    const sweeper = new StaleRunSweeper(
      () => Promise.reject(new Error('connect ECONNREFUSED postgres://agent:s3cret@db.internal:5432/runs')),
      60_000,
      () => true,
    );
    await expect(sweeper.runOnce()).resolves.toBe(0);
    const reported = messages.filter((message) => message.includes('stale-run check failed'));
    expect(reported).toHaveLength(1);
    expect(reported[0]).toContain('db.internal');
    expect(reported[0]).not.toContain('s3cret');
  });

  it('does not check while the database is known to be unreachable, nor after stop()', async () => {
    let usable = false;
    let checks = 0;
    const sweeper = new StaleRunSweeper(
      () => {
        checks++;
        return Promise.resolve(0);
      },
      60_000,
      () => usable,
    );
    await sweeper.runOnce();
    expect(checks).toBe(0);
    usable = true;
    await sweeper.runOnce();
    expect(checks).toBe(1);
    sweeper.stop();
    await sweeper.runOnce();
    expect(checks).toBe(1);
  });
});
