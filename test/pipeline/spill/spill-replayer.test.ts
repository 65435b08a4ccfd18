import { statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CircuitBreaker } from '../../../src/pipeline/circuit-breaker';
import { encodeFrame } from '../../../src/pipeline/spill/frame';
import { spillFileName } from '../../../src/pipeline/spill/spill-files';
import { SpillReplayer, type ReplayTarget } from '../../../src/pipeline/spill/spill-replayer';
import type { SpillStore } from '../../../src/pipeline/spill/spill-store';
import { items, openStore, spillFilesIn, tempDirectory, type Item } from './support';

const RETRY = { initialBackoffMs: 10, maxBackoffMs: 50, multiplier: 2, jitter: 'none' } as const;
const transient = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

/** A writer the test scripts call by call: each entry says what the next write does. */
class ScriptedTarget implements ReplayTarget<Item> {
  readonly calls: Array<{ at: number; ids: number[] }> = [];
  readonly committed: number[] = [];
  script: Array<'ok' | 'transient' | 'fatal' | 'reject-first'> = [];

  async write(records: Item[]) {
    this.calls.push({ at: Date.now(), ids: records.map((r) => r.id) });
    const step = this.script.shift() ?? 'ok';
    if (step === 'transient') throw transient();
    if (step === 'fatal') throw new Error('relation "agent_executions" does not exist');
    const rejected = step === 'reject-first' ? [{ record: records[0]!, reason: 'bad row' }] : [];
    this.committed.push(...records.filter((r) => !rejected.some((x) => x.record === r)).map((r) => r.id));
    return { rejected };
  }

  isTransientError(error: unknown): boolean {
    return (error as { code?: string }).code === 'ECONNREFUSED';
  }

  isRecord(value: unknown): value is Item {
    return typeof value === 'object' && value !== null && typeof (value as Item).id === 'number';
  }
}

const waitUntil = async (condition: () => boolean, timeoutMs = 5_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('SpillReplayer', () => {
  let dir: ReturnType<typeof tempDirectory>;
  let store: SpillStore<Item>;
  let replayer: SpillReplayer<Item> | undefined;
  beforeEach(() => {
    dir = tempDirectory();
    store = openStore(dir.path);
  });
  afterEach(async () => {
    replayer?.stop();
    replayer = undefined;
    await store.close();
    dir.cleanup();
  });

  const start = (target: ReplayTarget<Item>, breaker?: CircuitBreaker) => {
    replayer = new SpillReplayer(store, target, breaker, RETRY);
    replayer.start();
    return replayer;
  };

  it('writes what this session spilled, frame by frame, and deletes the file after the last commit', async () => {
    await store.append(items(0, 3));
    await store.append(items(3, 5));
    const target = new ScriptedTarget();
    const replay = start(target);
    await expect(replay.whenOwnDrained(5_000)).resolves.toBe(true);
    expect(target.calls.map((call) => call.ids)).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
    expect(spillFilesIn(dir.path)).toEqual([]);
    expect(replay.stats()).toMatchObject({ ownWritten: 5, recovered: 0, filesReplayed: 1, retried: 0 });
  });

  it('keeps the file and its place through transient failures: no frame is written twice, none skipped', async () => {
    for (const batch of [items(0, 2), items(2, 4), items(4, 6)]) await store.append(batch);
    const target = new ScriptedTarget();
    target.script = ['ok', 'transient', 'transient', 'ok', 'ok'];
    const replay = start(target);
    await expect(replay.whenOwnDrained(5_000)).resolves.toBe(true);
    expect(target.calls.map((call) => call.ids)).toEqual([
      [0, 1],
      [2, 3],
      [2, 3],
      [2, 3],
      [4, 5],
    ]);
    expect(target.committed).toEqual(items(0, 6).map((item) => item.id));
    expect(replay.stats()).toMatchObject({ ownWritten: 6, retried: 2, lastError: 'Error: connect ECONNREFUSED' });
  });

  it('goes through the breaker: nothing while it is open, then a single probe, then the rest', async () => {
    for (const batch of [items(0, 2), items(2, 4), items(4, 6)]) await store.append(batch);
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 400, maxCooldownMs: 400 });
    breaker.failure();
    const probeAt = breaker.snapshot().nextProbeAt!;
    const probes: boolean[] = [];
    const target = new ScriptedTarget();
    const write = target.write.bind(target);
    target.write = async (records: Item[]) => {
      probes.push(breaker.state === 'half_open');
      return write(records);
    };
    const replay = start(target, breaker);
    await expect(replay.whenOwnDrained(5_000)).resolves.toBe(true);
    // Nothing before the cool-down was over; the first write was the probe, the others followed once it closed.
    expect(target.calls[0]!.at).toBeGreaterThanOrEqual(probeAt);
    expect(probes).toEqual([true, false, false]);
    expect(breaker.state).toBe('closed');
  });

  it('counts the records of a damaged tail as spill_corrupt and writes the rest', async () => {
    await store.append(items(0, 4));
    await store.append(items(4, 10));
    const sealed = (await store.nextForReplay())!;
    store.release(sealed);
    truncateSync(sealed.path, statSync(sealed.path).size - 7); // the process died in the middle of the last write
    const target = new ScriptedTarget();
    const replay = start(target);
    await expect(replay.whenOwnDrained(5_000)).resolves.toBe(true);
    expect(target.committed).toEqual([0, 1, 2, 3]);
    expect(replay.stats()).toMatchObject({ ownWritten: 4, ownDropped: { spill_corrupt: 6 }, corruptRegions: 1 });
    expect(spillFilesIn(dir.path)).toEqual([]);
  });

  it('counts refused rows and batches that fail for good, and moves on', async () => {
    await store.append(items(0, 3));
    await store.append(items(3, 6));
    const target = new ScriptedTarget();
    target.script = ['reject-first', 'fatal'];
    const replay = start(target);
    await expect(replay.whenOwnDrained(5_000)).resolves.toBe(true);
    expect(replay.stats()).toMatchObject({ ownWritten: 2, ownDropped: { rejected: 1, write_failed: 3 } });
  });

  it("recovers earlier sessions' files, counting them apart, and skips values that are not records", async () => {
    const records = [...items(0, 3), { nope: true }, 'text'];
    const orphan = spillFileName('sclosed-1-0002', 'sclosed-1-0002', 1); // its session closed cleanly: no lock file
    writeFileSync(join(dir.path, orphan), encodeFrame(JSON.stringify(records), records.length));
    const target = new ScriptedTarget();
    const replay = start(target);
    await waitUntil(() => replay.stats().filesReplayed === 1);
    expect(target.committed).toEqual([0, 1, 2]);
    expect(replay.stats()).toMatchObject({ recovered: 3, recoveredDropped: 2, ownWritten: 0 });
  });

  it('stops: a write in progress is abandoned and its file stays for the next replay', async () => {
    await store.append(items(0, 2));
    let release!: () => void;
    const target = new ScriptedTarget();
    target.write = async (records: Item[]) => {
      target.calls.push({ at: Date.now(), ids: records.map((r) => r.id) });
      await new Promise<void>((resolve) => (release = resolve));
      return { rejected: [] };
    };
    const replay = start(target);
    await waitUntil(() => target.calls.length === 1);
    replay.stop();
    release();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(spillFilesIn(dir.path)).toHaveLength(1);
    expect(replay.stats().ownWritten).toBe(0);
  });
});
