import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { encodeFrame, scanFrames } from '../../../src/pipeline/spill/frame';
import { spillFileName } from '../../../src/pipeline/spill/spill-files';
import type { SpillStore } from '../../../src/pipeline/spill/spill-store';
import { items, openStore, spillFilesIn, tempDirectory, type Item } from './support';

const readRecords = (path: string): Item[] =>
  scanFrames(readFileSync(path)).frames.flatMap((frame) => JSON.parse(frame.payload.toString('utf8')) as Item[]);

/** The id of a process that has exited: its lock files and spill files are anyone's. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

/** Files a crashed process left behind: a lock naming a dead process, and spill files it owns. */
function leaveCrashedSession(directory: string, session: string, files: number, perFile: number): void {
  writeFileSync(join(directory, `${session}.lock`), JSON.stringify({ pid: deadPid(), host: hostname() }));
  for (let sequence = 1; sequence <= files; sequence++) {
    const records = items((sequence - 1) * perFile, sequence * perFile);
    writeFileSync(
      join(directory, spillFileName(session, session, sequence)),
      encodeFrame(JSON.stringify(records), records.length),
    );
  }
}

describe('SpillStore', () => {
  let dir: ReturnType<typeof tempDirectory>;
  const stores: Array<SpillStore<Item>> = [];
  const open = (options = {}) => {
    const store = openStore(dir.path, options);
    stores.push(store);
    return store;
  };
  beforeEach(() => {
    dir = tempDirectory();
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    dir.cleanup();
  });

  it('appends batches to a segment that replay gets sealed, and deletes it once completed', async () => {
    const store = open();
    expect(existsSync(join(dir.path, `${store.session}.lock`))).toBe(true);
    await store.append(items(0, 3));
    await store.append(items(3, 5));
    expect(store.size()).toMatchObject({ records: 5, files: 1 });
    expect(store.ownRecords()).toBe(5);

    const file = (await store.nextForReplay())!;
    expect(file).toMatchObject({ own: true, storedRecords: 5 });
    expect(readRecords(file.path)).toEqual(items(0, 5));
    // Appends after the seal go to a new segment; the sealed one is not handed out twice.
    await store.append(items(5, 6));
    const next = (await store.nextForReplay())!;
    expect(next.name).not.toBe(file.name);
    await store.complete(file);
    expect(existsSync(file.path)).toBe(false);
    await store.complete(next);
    expect(store.size()).toEqual({ bytes: 0, records: 0, files: 0 });
    expect(await store.nextForReplay()).toBeUndefined();
  });

  it('refuses a batch that would take the directory past maxBytes, storing none of it', async () => {
    const store = open({ maxBytes: 200 });
    await expect(store.append(items(0, 3))).resolves.toBe(true);
    const used = store.size().bytes;
    await expect(store.append(items(3, 20))).resolves.toBe(false);
    expect(store.appendSync(items(3, 20))).toBe(false);
    expect(store.size()).toMatchObject({ bytes: used, records: 3 });
    expect(spillFilesIn(dir.path)).toHaveLength(1);
  });

  it('counts files already in the directory against the cap', async () => {
    leaveCrashedSession(dir.path, 'sold-1-aaaa', 1, 50);
    // The leftover file holds about 470 bytes; 40 more records need about 380.
    const store = open({ maxBytes: 700 });
    await expect(store.append(items(0, 40))).resolves.toBe(false);
    await expect(store.append(items(0, 10))).resolves.toBe(true);
  });

  it('rolls over to a new segment past segmentBytes, and hands segments out oldest first', async () => {
    const store = open({ segmentBytes: 100 });
    for (let batch = 0; batch < 4; batch++) await store.append(items(batch * 10, batch * 10 + 10));
    expect(spillFilesIn(dir.path)).toHaveLength(4);
    const order: number[] = [];
    for (let file = await store.nextForReplay(); file !== undefined; file = await store.nextForReplay()) {
      order.push(readRecords(file.path)[0]!.id);
      await store.complete(file);
    }
    expect(order).toEqual([0, 10, 20, 30]);
  });

  it('splits a large batch into frames of at most 5,000 records', async () => {
    const store = open();
    await store.append(items(0, 12_000));
    const file = (await store.nextForReplay())!;
    const frames = scanFrames(readFileSync(file.path)).frames;
    expect(frames.map((frame) => frame.count)).toEqual([5_000, 5_000, 2_000]);
  });

  it('stores synchronously in a file of its own (shutdown), alongside a segment being written', async () => {
    const store = open({ fsync: 'always' });
    await store.append(items(0, 2));
    expect(store.appendSync(items(2, 4))).toBe(true);
    expect(spillFilesIn(dir.path)).toHaveLength(2);
    expect(store.ownRecords()).toBe(4);
  });

  it.each(['always', 'interval', 'never'] as const)('works with fsync %s', async (fsync) => {
    const store = open({ fsync, fsyncIntervalMs: 5 });
    await store.append(items(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.append(items(10, 20));
    const file = (await store.nextForReplay())!;
    expect(readRecords(file.path)).toEqual(items(0, 20));
  });

  it('leaves the files of a live session alone, and takes them over once it closed', async () => {
    const writer = open();
    await writer.append(items(0, 7));
    await writer.nextForReplay().then((file) => writer.release(file!)); // sealed, so it is a whole file
    const other = open();
    expect(await other.nextForReplay(true)).toBeUndefined();
    expect(other.size()).toMatchObject({ records: 7, files: 1 }); // counted against the cap all the same

    await writer.close();
    expect(existsSync(join(dir.path, `${writer.session}.lock`))).toBe(false);
    const taken = (await other.nextForReplay(true))!;
    expect(taken).toMatchObject({ own: false, storedRecords: undefined });
    expect(taken.name.startsWith(`${other.session}.${writer.session}.`)).toBe(true);
    expect(readRecords(taken.path)).toEqual(items(0, 7));
  });

  it('takes over the files of a process that died without closing, and removes its stale lock', async () => {
    leaveCrashedSession(dir.path, 'sdead-1-beef', 2, 3);
    const store = open();
    const first = (await store.nextForReplay(true))!;
    const second = (await store.nextForReplay())!;
    expect([...readRecords(first.path), ...readRecords(second.path)]).toEqual(items(0, 6));
    expect(store.size()).toMatchObject({ records: 6, files: 2 });
    await store.complete(first);
    await store.complete(second);
    await store.nextForReplay(true);
    expect(readdirSync(dir.path).filter((name) => name.startsWith('sdead'))).toEqual([]);
  });

  it('releases a dead session lock in the scan that takes its files over, and leaves a live session lock alone', async () => {
    leaveCrashedSession(dir.path, 'sdead-3-f00d', 2, 3);
    // A session of a process that runs (this one) with a file of its own: neither its lock nor its file is touched.
    const liveLock = join(dir.path, 'slive-1-abcd.lock');
    writeFileSync(liveLock, JSON.stringify({ pid: process.pid, host: hostname() }));
    const liveFile = spillFileName('slive-1-abcd', 'slive-1-abcd', 1);
    writeFileSync(join(dir.path, liveFile), encodeFrame(JSON.stringify(items(100, 102)), 2));
    // No second scan within the test: the lock must go in the scan that took the files over.
    const store = open({ rescanIntervalMs: 3_600_000 });

    const first = (await store.nextForReplay(true))!;
    expect(existsSync(join(dir.path, 'sdead-3-f00d.lock'))).toBe(false);
    const second = (await store.nextForReplay())!;
    expect([first, second].map((file) => file.own)).toEqual([false, false]);
    expect([...readRecords(first.path), ...readRecords(second.path)]).toEqual(items(0, 6));
    await store.complete(first);
    await store.complete(second);
    expect(await store.nextForReplay()).toBeUndefined();

    expect(readdirSync(dir.path).filter((name) => name.startsWith('sdead'))).toEqual([]);
    expect(JSON.parse(readFileSync(liveLock, 'utf8'))).toEqual({ pid: process.pid, host: hostname() });
    expect(spillFilesIn(dir.path)).toEqual([liveFile]);
    expect(store.size()).toMatchObject({ records: 2, files: 1 }); // the live session's file, counted, not taken
  });

  it('hands each file of a dead session to exactly one of two stores scanning at once', async () => {
    leaveCrashedSession(dir.path, 'sdead-2-cafe', 20, 2);
    const a = open();
    const b = open();
    const drain = async (store: SpillStore<Item>) => {
      const seen: number[] = [];
      for (let file = await store.nextForReplay(true); file !== undefined; file = await store.nextForReplay()) {
        seen.push(...readRecords(file.path).map((item) => item.id));
        await store.complete(file);
      }
      return seen;
    };
    const [fromA, fromB] = await Promise.all([drain(a), drain(b)]);
    expect([...fromA, ...fromB].sort((x, y) => x - y)).toEqual(items(0, 40).map((item) => item.id));
    expect(spillFilesIn(dir.path)).toEqual([]);
    // Released by whichever store found the session gone, though neither looked at the directory again.
    expect(existsSync(join(dir.path, 'sdead-2-cafe.lock'))).toBe(false);
  });

  it('fails with a clear message when the directory cannot be used', () => {
    const file = join(dir.path, 'a-file');
    writeFileSync(file, '');
    expect(() => openStore(join(file, 'spill'))).toThrow(
      /agentspan: the spill directory .*a-file\/spill cannot be used: ENOTDIR/,
    );
  });
});
