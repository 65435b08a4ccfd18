import { diag } from '@opentelemetry/api';
import { Client } from 'pg';
import { describeDatabaseError } from './errors';

/**
 * The pg client in agentspan's pools: pg's own, with two changes for a database or network that stops answering.
 *
 * - A query that gets no reply within `query_timeout` ends its client. pg reports the timeout but leaves the query
 *   active on the socket (node-postgres issue #3399): the pool would take the client back as healthy and every later
 *   query on it would wait behind the one that never ends. Ended, the pool discards it and opens a fresh one.
 * - It always has an 'error' listener of its own, so a socket error can never go unhandled (and crash the process)
 *   in the moments between pg-pool and TypeORM attaching and detaching theirs; they still receive every error.
 */
export class AgentspanPgClient extends Client {
  constructor(config?: ConstructorParameters<typeof Client>[0]) {
    super(config);
    this.on('error', onClientError);
  }

  // Loosely typed on purpose: pg's overloads (text, config object, values, callback, submittable) all pass through.
  override query(...args: any[]): any {
    const [config, values, callback] = args as [unknown, unknown, unknown];
    const submittable = typeof (config as { submit?: unknown } | null)?.submit === 'function';
    if (!submittable) {
      if (typeof values === 'function') args[1] = this.watch(values as QueryCallback);
      else if (typeof callback === 'function') args[2] = this.watch(callback as QueryCallback);
    }
    const result = (Client.prototype.query as (...a: unknown[]) => unknown).apply(this, args);
    if (isThenable(result)) result.then(undefined, (error: unknown) => this.afterFailure(error));
    return result;
  }

  private watch(callback: QueryCallback): QueryCallback {
    return (error, result) => {
      if (error) this.afterFailure(error);
      callback(error, result);
    };
  }

  private afterFailure(error: unknown): void {
    if (!(error instanceof Error) || error.message !== QUERY_READ_TIMEOUT) return;
    diag.warn('agentspan: a database query got no reply in time (query_timeout); closing its connection');
    // end() marks the client as ending at once (so the pool discards it when it comes back, which happens right after
    // this), closes the socket because a query is still active on it, and fails whatever else waits on it.
    void this.end().catch(() => undefined);
  }
}

type QueryCallback = (error: unknown, result: unknown) => void;

/** The message pg gives the error when query_timeout fires. */
const QUERY_READ_TIMEOUT = 'Query read timeout';

function onClientError(error: unknown): void {
  // pg-pool (idle clients) and TypeORM (checked-out clients) report and handle it; this listener only guarantees one.
  diag.debug(`agentspan: database connection error: ${describeDatabaseError(error)}`);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
