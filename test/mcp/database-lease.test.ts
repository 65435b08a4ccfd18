import type { DataSource } from 'typeorm';
import { databaseLease, type OpenDatabase } from '../../src/mcp/database-lease';

/** The server's database: opened on first use, shared, closed after a quiet moment, never open twice at once. */

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens that count themselves, and how many are open at once. */
function databases(failures = 0) {
  const log: string[] = [];
  let open = 0;
  let opened = 0;
  let mostAtOnce = 0;
  const openDatabase = async (): Promise<OpenDatabase> => {
    await pause(5);
    if (failures-- > 0) throw new Error('cannot connect');
    const id = ++opened;
    open++;
    mostAtOnce = Math.max(mostAtOnce, open);
    log.push(`open ${id}`);
    return {
      dataSource: { id } as unknown as DataSource,
      close: async () => {
        await pause(5);
        open--;
        log.push(`close ${id}`);
      },
    };
  };
  return { openDatabase, log, mostAtOnce: () => mostAtOnce };
}

it('shares one open among the calls under way, and closes it once they are done for idleCloseMs', async () => {
  const { openDatabase, log, mostAtOnce } = databases();
  const lease = databaseLease(openDatabase, 30);
  const ids = await Promise.all(
    [1, 2, 3].map(() =>
      lease.use(async (dataSource) => (await pause(10), (dataSource as unknown as { id: number }).id)),
    ),
  );
  expect(ids).toEqual([1, 1, 1]);
  await pause(80);
  expect(log).toEqual(['open 1', 'close 1']);
  // Used again: opened again, and never while the previous one was open.
  expect(await lease.use(async (dataSource) => (dataSource as unknown as { id: number }).id)).toBe(2);
  await lease.close();
  expect(log).toEqual(['open 1', 'close 1', 'open 2', 'close 2']);
  expect(mostAtOnce()).toBe(1);
});

it('never opens while a close is under way', async () => {
  const { openDatabase, log, mostAtOnce } = databases();
  const lease = databaseLease(openDatabase, Number.POSITIVE_INFINITY);
  await lease.use(async () => undefined);
  const closing = lease.close();
  await lease.use(async () => undefined);
  await closing;
  await lease.close();
  expect(log).toEqual(['open 1', 'close 1', 'open 2', 'close 2']);
  expect(mostAtOnce()).toBe(1);
});

it('keeps a database it is told to keep, and tries again after a failed open', async () => {
  const { openDatabase, log } = databases(1);
  const lease = databaseLease(openDatabase, Number.POSITIVE_INFINITY);
  await expect(lease.use(async () => 'never')).rejects.toThrow('cannot connect');
  expect(await lease.use(async () => 'answered')).toBe('answered');
  await pause(50);
  expect(log).toEqual(['open 1']);
  await lease.close();
  expect(log).toEqual(['open 1', 'close 1']);
});
