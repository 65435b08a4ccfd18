import type { RunWatch } from './watch-types';

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * The watches of an object that outlives none of them (`telemetry.runs`): each is opened on its first next() (the
 * database may not be open yet when watch() is called), and closeAll() ends every one still open, as shutdown() must
 * before it closes the database.
 */
export class WatchSet {
  readonly #open = new Set<RunWatch>();

  /** A watch whose first next() waits for `open()`; it leaves the set when it ends. */
  open(open: () => Promise<RunWatch>): RunWatch {
    const set = this.#open;
    let target: Promise<RunWatch> | undefined;
    let closed = false;
    const watch: RunWatch = {
      [Symbol.asyncIterator]() {
        return watch;
      },
      async next() {
        if (closed) return DONE;
        target ??= open();
        const result = await (await target).next();
        if (result.done === true) set.delete(watch);
        return result;
      },
      async return() {
        await watch.close();
        return DONE;
      },
      async close() {
        closed = true;
        set.delete(watch);
        // A watch that never started has nothing to close; a failed open has nothing either.
        await target?.then((opened) => opened.close()).catch(() => undefined);
      },
    };
    set.add(watch);
    return watch;
  }

  /** Closes every watch still open. Never rejects. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.#open].map((watch) => watch.close().catch(() => undefined)));
  }
}
