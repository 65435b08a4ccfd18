import type { DataSource } from 'typeorm';

/** A database the server opened, and how to close it. */
export interface OpenDatabase {
  readonly dataSource: DataSource;
  close(): Promise<void>;
}

/** The server's database, shared by the tool calls under way. */
export interface DatabaseLease {
  /** Runs `work` with the database, opened first when it is not open; a failed open rejects, the next use tries again. */
  use<T>(work: (dataSource: DataSource) => Promise<T>): Promise<T>;
  /** Closes it (for good, unless used again). */
  close(): Promise<void>;
}

/**
 * The database opened on first use and shared by the calls under way, closed `idleCloseMs` after the last one ends:
 * Infinity keeps it open (a server's pool, whose idle connections close themselves), a moment suits the embedded
 * database, which one process at a time may hold — a long-lived MCP server then holds its files only while a burst
 * of calls runs. It is never open twice at once: an open waits for the close before it.
 */
export function databaseLease(open: () => Promise<OpenDatabase>, idleCloseMs: number): DatabaseLease {
  let opened: Promise<OpenDatabase> | undefined;
  let closing: Promise<void> = Promise.resolve();
  let users = 0;
  let idleTimer: NodeJS.Timeout | undefined;

  const closeNow = (): Promise<void> => {
    const current = opened;
    opened = undefined;
    closing = closing.then(async () => {
      const database = await current?.catch(() => undefined);
      await database?.close().catch(() => undefined);
    });
    return closing;
  };

  const openOnce = (): Promise<OpenDatabase> => {
    if (opened !== undefined) return opened;
    const attempt = closing.then(open);
    opened = attempt;
    // A failed open is forgotten, so the next call tries again (the database may be back).
    attempt.catch(() => {
      if (opened === attempt) opened = undefined;
    });
    return attempt;
  };

  return {
    async use(work) {
      clearTimeout(idleTimer);
      users++;
      try {
        return await work((await openOnce()).dataSource);
      } finally {
        users--;
        if (users === 0 && Number.isFinite(idleCloseMs)) {
          idleTimer = setTimeout(() => {
            if (users === 0) void closeNow();
          }, idleCloseMs);
          // Waiting to close must not keep the process alive by itself.
          idleTimer.unref();
        }
      }
    },
    close() {
      clearTimeout(idleTimer);
      return closeNow();
    },
  };
}
