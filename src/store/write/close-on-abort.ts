import type { PoolClient } from 'pg';

const noop = (): void => undefined;

/**
 * Ends the client's connection if `signal` is aborted while the write holds it: a statement waiting for an answer
 * fails at once, and the server, seeing the connection close, rolls the transaction back. (A server waiting for COPY
 * data ignores statement_timeout; only the connection closing ends it.) Returns what stops watching.
 */
export function closeOnAbort(signal: AbortSignal | undefined, client: PoolClient): () => void {
  if (signal === undefined) return noop;
  const close = () => {
    client.end().catch(() => undefined);
  };
  signal.addEventListener('abort', close, { once: true });
  return () => signal.removeEventListener('abort', close);
}
