import { diag } from '@opentelemetry/api';
import type { DataSource } from 'typeorm';
import { untraced } from '../../internal/untraced';
import { describeDatabaseError, isTransientError } from '../../store/connection/errors';
import { runChangesChannel } from '../../store/write/run-change-channel';
import { WHOLE_ROW, type ChangePosition } from './change-cursor';
import { changeEvents } from './change-events';
import { currentChangePosition, readChanges } from './change-feed';
import { ChangeListener, listenerConfig } from './change-listener';
import type { CheckedWatchOptions } from './watch-options';
import type { RunChange, RunWatch } from './watch-types';

/** Change rows (transactions) one read takes. */
const ROWS_PER_READ = 50;
/** With LISTEN up, the log is still read this often: a writer with `notify: false`, a skipped NOTIFY. */
const LISTENING_POLL_MS = 1_000;
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * watch(): reads the run change log (change-feed) from its place on, turns rows into events (change-events) and
 * yields them; between reads it waits for a NOTIFY (change-listener, on a server) or its poll interval. Its place is
 * a position in the log, never a time, so a dropped LISTEN connection, a failed read or a restart from a cursor goes
 * on exactly where it was: the LISTEN connection only says when to read, never what.
 *
 * Nothing is opened before the first next(). The wait's timer exists only while a next() is waiting (so a watch
 * nobody iterates keeps nothing alive), and close(), return() (`break`) or the DataSource being destroyed end it.
 */
export class RunWatcher implements RunWatch {
  #generator: AsyncGenerator<RunChange, undefined> | undefined;
  #closed = false;
  #listener: ChangeListener | undefined;
  /** Ends the current wait early; undefined while not waiting. */
  #wake: (() => void) | undefined;
  /** A wake-up that came while not waiting: the next wait returns at once. */
  #woken = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: CheckedWatchOptions,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<RunChange, undefined>> {
    if (this.#generator === undefined) {
      if (this.#closed) return Promise.resolve(DONE);
      this.#generator = this.#events();
    }
    return this.#generator.next();
  }

  async return(): Promise<IteratorResult<RunChange, undefined>> {
    await this.close();
    return DONE;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wakeUp();
    // Queued behind a next() still running (it sees #closed and ends); at once when the generator waits at a yield.
    await this.#generator?.return(undefined);
    await this.#listener?.close();
  }

  async *#events(): AsyncGenerator<RunChange, undefined> {
    try {
      const listening = await this.#retrying(() => this.#listen());
      if (listening === undefined) return;
      let position = this.options.after ?? (await this.#retrying(() => currentChangePosition(this.dataSource)));
      while (position !== undefined && !this.#closed) {
        const from: ChangePosition = position;
        const read = await this.#retrying(() => readChanges(this.dataSource, from, ROWS_PER_READ));
        const events =
          read && (await this.#retrying(() => changeEvents(this.dataSource, this.options, read.rows, from)));
        if (read === undefined || events === undefined || this.#closed) return;
        for (const event of events) {
          yield event;
          if (this.#closed) return;
        }
        const full = read.rows.length === ROWS_PER_READ;
        const last = read.rows[read.rows.length - 1];
        // Not full: every row below the horizon has been read, so the place moves up to it.
        position = full ? { xactId: last!.xactId, index: WHOLE_ROW } : { xactId: read.horizon - 1n, index: WHOLE_ROW };
        if (position.xactId < from.xactId) position = from;
        if (full) continue;
        await this.#wait(
          read.pending || !listening || !this.#listener?.connected ? this.options.pollIntervalMs : LISTENING_POLL_MS,
        );
      }
    } finally {
      this.#closed = true;
      await this.#listener?.close();
    }
    return undefined;
  }

  /** Starts the LISTEN connection on a server; false on PGlite (nobody can listen there) or without a pg pool. */
  async #listen(): Promise<boolean> {
    const rows: Array<{ version?: unknown }> = await untraced(() =>
      this.dataSource.query('SELECT version() AS version'),
    );
    const config = listenerConfig(this.dataSource);
    if (String(rows[0]?.version ?? '').includes('PGlite') || config === undefined) return false;
    this.#listener = new ChangeListener(config, runChangesChannel(this.dataSource), () => this.#wakeUp());
    this.#listener.start();
    return true;
  }

  /**
   * Runs a read, retrying while the failure is transient (the database restarting, the network): the watch goes on
   * from its place once it answers. Undefined once the watch is closed or its DataSource destroyed.
   */
  async #retrying<T>(work: () => Promise<T>): Promise<T | undefined> {
    for (let delay = FIRST_RETRY_MS; ; delay = Math.min(delay * 2, MAX_RETRY_MS)) {
      if (this.#closed || !this.dataSource.isInitialized) return undefined;
      try {
        return await work();
      } catch (error) {
        if (this.#closed || !this.dataSource.isInitialized) return undefined;
        if (!isTransientError(error)) throw error;
        diag.debug(`agentspan: watch: reading run changes failed, retrying: ${describeDatabaseError(error)}`);
        await this.#wait(delay);
      }
    }
  }

  #wait(ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
      // Not unref'd: a next() is waiting, which is what keeps a `for await` loop's process alive.
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  #wakeUp(): void {
    if (this.#wake !== undefined) this.#wake();
    else this.#woken = true;
  }
}
