import type { DataSource } from 'typeorm';
import { describeDatabaseError } from './errors';
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
 * returns.
 */
export class StoreConnection {
  private opening: Promise<OpenedStore> | undefined;
  private closed = false;

  constructor(
    private readonly open: () => Promise<OpenedStore>,
    private readonly options: { migrate: boolean },
  ) {}

  /** A connection to a DataSource the application owns: used as it is, never migrated or closed by us. */
  static of(dataSource: DataSource): StoreConnection {
    return new StoreConnection(async () => ({ dataSource, close: async () => {} }), { migrate: false });
  }

  /** The ready DataSource. A failed attempt is forgotten, so the next call tries again. */
  async dataSource(): Promise<DataSource> {
    if (this.closed) throw new StoreUnavailableError('agentspan: the store is closed');
    this.opening ??= this.connect().catch((error: unknown) => {
      this.opening = undefined;
      throw error;
    });
    return (await this.opening).dataSource;
  }

  /** Closes what this connection opened. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    const opened = await this.opening?.catch(() => undefined);
    this.opening = undefined;
    await opened?.close();
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
        await runMigrations(opened.dataSource);
      } catch (error) {
        await opened.close().catch(() => undefined);
        throw new StoreUnavailableError(`agentspan: migrating the database failed: ${describeDatabaseError(error)}`);
      }
    }
    if (this.closed) {
      await opened.close();
      throw new StoreUnavailableError('agentspan: the store is closed');
    }
    return opened;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
