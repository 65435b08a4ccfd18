import type { DataSource } from 'typeorm';
import { encodeChangeCursor } from './change-cursor';
import { currentChangePosition } from './change-feed';
import { RunWatcher } from './run-watcher';
import { checkWatchOptions } from './watch-options';
import type { RunWatch, WatchOptions } from './watch-types';

/** watch() of a repository: options checked now (AgentspanQueryError), nothing opened before the first next(). */
export function watchRuns(dataSource: DataSource, options: WatchOptions | undefined): RunWatch {
  return new RunWatcher(dataSource, checkWatchOptions(options));
}

/**
 * A cursor for the change log as it is now: `watch({ after })` from it delivers every change that commits after
 * this call (and maybe a few that committed just before). For a listing that must not miss a change between reading
 * runs and watching them (the CLI's follow): take the cursor, read the runs, then watch from the cursor.
 */
export async function currentWatchCursor(dataSource: DataSource): Promise<string> {
  return encodeChangeCursor(await currentChangePosition(dataSource));
}
