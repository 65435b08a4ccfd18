import { diag } from '@opentelemetry/api';
import type { Socket } from 'node:net';
import { Client, type ClientConfig } from 'pg';
import type { DataSource } from 'typeorm';
import { quoteIdentifier } from '../../store/schema/table-names';
import { describeDatabaseError } from '../../store/connection/errors';

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5_000;
const END_WAIT_MS = 1_000;

/**
 * The connection options of the DataSource's pool, for a connection of our own outside it; undefined when the
 * DataSource has no pg pool (not initialized, or another driver). pg-pool keeps the password as a property that
 * does not enumerate, so it is copied by name.
 */
export function listenerConfig(dataSource: DataSource): ClientConfig | undefined {
  const pool = (dataSource.driver as unknown as { master?: { options?: Record<string, unknown> } }).master;
  const options = pool?.options;
  if (options === undefined) return undefined;
  const { Client: _client, ...config } = options;
  return { ...config, password: options.password as string | undefined, application_name: 'agentspan-watch' };
}

/**
 * LISTEN on a connection of its own (not one of the pool, which hands its connections around), calling `wake` for
 * every notification on `channel`, and once each time it (re)connects — changes may have been logged while it was
 * away. A dropped connection (pg_terminate_backend, a restart, the network) is opened again after a backoff of
 * 250 ms doubling to 5 s; `connected` says whether it is listening now, so the watch reads on a timer meanwhile.
 *
 * The socket and the retry timer are unref'd: the connection never keeps the process alive by itself. Errors go to
 * `diag`, never to the caller.
 */
export class ChangeListener {
  #client: Client | undefined;
  #closed = false;
  #retryMs = FIRST_RETRY_MS;
  #retryTimer: NodeJS.Timeout | undefined;
  readonly #dropped = new WeakSet<Client>();

  constructor(
    private readonly config: ClientConfig,
    private readonly channel: string,
    private readonly wake: () => void,
  ) {}

  get connected(): boolean {
    return this.#client !== undefined;
  }

  start(): void {
    void this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) await this.#end(client);
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new Client(this.config);
    client.on('error', (error: unknown) => this.#drop(client, error));
    client.on('end', () => this.#drop(client, undefined));
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.wake();
    });
    try {
      await client.connect();
      socketOf(client)?.unref?.();
      await client.query(`LISTEN ${quoteIdentifier(this.channel)}`);
    } catch (error) {
      this.#drop(client, error);
      return;
    }
    if (this.#closed || this.#dropped.has(client)) {
      await this.#end(client);
      return;
    }
    this.#client = client;
    this.#retryMs = FIRST_RETRY_MS;
    this.wake();
  }

  #drop(client: Client, error: unknown): void {
    if (this.#dropped.has(client)) return;
    this.#dropped.add(client);
    if (this.#client === client) this.#client = undefined;
    void this.#end(client);
    if (this.#closed) return;
    if (error !== undefined) {
      diag.debug(`agentspan: watch: the LISTEN connection failed, reconnecting: ${describeDatabaseError(error)}`);
    }
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => void this.#connect(), this.#retryMs);
    this.#retryTimer.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
  }

  /** Ends a connection; waits at most END_WAIT_MS (pg's end() can wait on a socket that is already gone). */
  async #end(client: Client): Promise<void> {
    this.#dropped.add(client);
    // Held again while it ends: a caller awaiting close() must not see the process exit under it.
    socketOf(client)?.ref?.();
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, END_WAIT_MS);
      timer.unref();
    });
    await Promise.race([client.end().catch(() => undefined), waited]);
    clearTimeout(timer);
  }
}

function socketOf(client: Client): Partial<Socket> | undefined {
  return (client as unknown as { connection?: { stream?: Partial<Socket> } }).connection?.stream;
}
