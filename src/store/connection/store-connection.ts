import type { DataSource, EntitySubscriberInterface } from 'typeorm';
import type { AfterQueryEvent } from 'typeorm/subscriber/event/QueryEvent';
import { describeDatabaseError, sqlStateOf } from './errors';
import { runMigrations } from './migrate';

/** A DataSource that is open, with what it takes to close it (the embedded server too, when there is one). */
export interface OpenedStore {
  readonly dataSource: DataSource;
  close(): Promise<void>;
}

/** The store could not be reached or prepared yet; what waits for it should wait and try again. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  readonly transient = true;
}

/**
 * The database as the processor and the repository see it: opened (and migrated) on first use, and again on the
 * next use after a failed attempt, so an application can start while its database is down and catch up when it
 * returns. When it migrates, it also notices our tables going missing later (the database dropped and created again,
 * the tables dropped) and migrates again on the next use.
 */
export class StoreConnection {
  private opening: Promise<OpenedStore> | undefined;
  private closed = false;
  /** A query failed because our tables are gone: migrate again before the next use. */
  private schemaLost = false;
  private remigrating: Promise<void> | undefined;
  /** A release under way: the next open waits for it. */
  private releasing: Promise<void> | undefined;
  private watcher: { dataSource: DataSource; subscriber: EntitySubscriberInterface } | undefined;

  constructor(
    private readonly open: () => Promise<OpenedStore>,
    private readonly options: { migrate: boolean; distributed?: boolean; partitioned?: boolean },
  ) {}

  /** A connection to a DataSource the application owns: used as it is, never migrated or closed by us. */
  static of(dataSource: DataSource): StoreConnection {
    return new StoreConnection(async () => ({ dataSource, close: async () => {} }), { migrate: false });
  }

  /** The ready DataSource. A failed attempt is forgotten, so the next call tries again. */
  async dataSource(): Promise<DataSource> {
    if (this.closed) throw new StoreUnavailableError('agentspan: the store is closed');
    if (this.releasing !== undefined) await this.releasing.catch(() => undefined);
    this.opening ??= this.connect().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    const { dataSource } = await this.opening;
    if (this.schemaLost) await this.migrateAgain(dataSource);
    return dataSource;
  }

  /**
   * Told about a failed write: if it failed because our tables are gone, the next use migrates again. The writer's
   * COPY statements bypass TypeORM, so its query watcher never sees their errors. Never throws.
   */
  noteFailure(error: unknown): void {
    try {
      if (this.options.migrate && this.watcher !== undefined && isOurTableMissing(error)) this.schemaLost = true;
    } catch {
      // A diagnostic hook: nothing it does may fail a write path.
    }
  }

  /** Whether a DataSource is open or being opened (what `release` would close). */
  get isOpen(): boolean {
    return this.opening !== undefined;
  }

  /**
   * Closes what is open now, but not the connection: the next use opens it again. For a process about to exit
   * (`beforeExit`): its pool and the embedded database must not keep it alive, yet the application may still
   * record or query afterwards. Safe to call twice.
   */
  release(): Promise<void> {
    const opening = this.opening;
    if (opening === undefined) return this.releasing ?? Promise.resolve();
    this.opening = undefined;
    this.stopWatching();
    // Until it is closed nothing opens it again: two embedded databases on one directory would damage it.
    const releasing = (async () => {
      const opened = await opening.catch(() => undefined);
      await opened?.close();
    })().finally(() => {
      if (this.releasing === releasing) this.releasing = undefined;
    });
    this.releasing = releasing;
    return releasing;
  }

  /** Closes what this connection opened. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopWatching();
    const opened = await this.opening?.catch(() => undefined);
    this.opening = undefined;
    await opened?.close();
    await this.releasing?.catch(() => undefined);
  }

  private async connect(): Promise<OpenedStore> {
    let opened: OpenedStore;
    try {
      opened = await this.open();
    } catch (error) {
      throw new StoreUnavailableError(errorText(error));
    }
    if (this.options.migrate) {
      try {
        await runMigrations(opened.dataSource, this.options);
      } catch (error) {
        await opened.close().catch(() => undefined);
        throw new StoreUnavailableError(`agentspan: migrating the database failed: ${describeDatabaseError(error)}`);
      }
    }
    if (this.closed) {
      await opened.close();
      throw new StoreUnavailableError('agentspan: the store is closed');
    }
    if (this.options.migrate) this.watchForLostSchema(opened.dataSource);
    return opened;
  }

  /** One migration at a time, however many writers and queries are waiting for it. */
  private migrateAgain(dataSource: DataSource): Promise<void> {
    this.remigrating ??= runMigrations(dataSource, this.options)
      .then(
        () => {
          this.schemaLost = false;
        },
        (error: unknown) => {
          throw new StoreUnavailableError(
            `agentspan: our tables are gone and migrating again failed: ${describeDatabaseError(error)}`,
          );
        },
      )
      .finally(() => {
        this.remigrating = undefined;
      });
    return this.remigrating;
  }

  /**
   * Watches every query's outcome (a TypeORM subscriber: no extra query, one function call per query) for PostgreSQL
   * saying one of our tables does not exist.
   */
  private watchForLostSchema(dataSource: DataSource): void {
    const subscriber: EntitySubscriberInterface = {
      afterQuery: (event: AfterQueryEvent) => {
        try {
          if (!event.success && isOurTableMissing(event.error)) this.schemaLost = true;
        } catch {
          // Runs inside every query of the DataSource, the application's too: it must never throw.
        }
      },
    };
    (dataSource.subscribers as EntitySubscriberInterface[]).push(subscriber);
    this.watcher = { dataSource, subscriber };
  }

  private stopWatching(): void {
    if (this.watcher === undefined) return;
    const subscribers = this.watcher.dataSource.subscribers as EntitySubscriberInterface[];
    const index = subscribers.indexOf(this.watcher.subscriber);
    if (index >= 0) subscribers.splice(index, 1);
    this.watcher = undefined;
  }
}

const OUR_TABLES = /\b(?:agent_executions|agent_performance|agent_decisions|agent_events|model_prices)\b/;

/** undefined_table naming one of our tables (not whatever table an application's own query misses). */
function isOurTableMissing(error: unknown): boolean {
  if (sqlStateOf(error) !== '42P01') return false;
  return OUR_TABLES.test(describeDatabaseError(error));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
