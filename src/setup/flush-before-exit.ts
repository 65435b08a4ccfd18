import { diag } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { AgentSpanProcessor } from '../export/agent-span-processor';
import { waitBriefly } from '../internal/wait-briefly';
import type { StoreConnection } from '../store/connection/store-connection';

export interface ExitFlushParts {
  readonly processor: AgentSpanProcessor;
  /** The other span processors (OTLP, the application's): flushed too. */
  readonly others: readonly SpanProcessor[];
  readonly connection: StoreConnection;
  /** The most one round may take (shutdownTimeoutMs). */
  readonly timeoutMs: number;
}

/**
 * An application that ends without calling shutdown() must not lose its runs, nor be kept alive by agentspan. Node
 * emits `beforeExit` when the event loop is empty: nothing of agentspan's holds it (the queue's timers are unref'd,
 * the pool's idle connections and the embedded database let go), so records still queued would die with the
 * process. On `beforeExit` one round writes them (and flushes the other span processors), then closes the database
 * connections, all within `timeoutMs`; once it is over the loop is empty again and the process exits. A round only
 * starts when there is something to do: the database is open, or records were recorded since the last round and are
 * not written yet (a database that stays down costs one round, not one per `beforeExit`). Records or queries after a
 * round open the database again. Returns the function that removes the listener (shutdown calls it).
 */
export function flushBeforeExit(parts: ExitFlushParts): () => void {
  let busy = false;
  let recordedAtLastRound = -1;
  const needed = (): boolean => {
    const stats = parts.processor.stats();
    const pending = stats.queueDepth + stats.inFlight + stats.spillPending > 0;
    return parts.connection.isOpen || (pending && stats.recorded !== recordedAtLastRound);
  };
  const onBeforeExit = (): void => {
    try {
      if (busy || !needed()) return;
      busy = true;
      // Held on purpose for the round's time box: a write waiting on an unref'd retry timer must not end it early.
      const hold = setTimeout(() => undefined, parts.timeoutMs);
      void round(parts)
        .catch((error: unknown) => diag.warn(`agentspan: writing before exit failed: ${String(error)}`))
        .finally(() => {
          clearTimeout(hold);
          recordedAtLastRound = parts.processor.stats().recorded;
          busy = false;
        });
    } catch (error) {
      diag.warn(`agentspan: writing before exit failed: ${String(error)}`);
    }
  };
  process.on('beforeExit', onBeforeExit);
  return () => {
    process.off('beforeExit', onBeforeExit);
  };
}

async function round({ processor, others, connection, timeoutMs }: ExitFlushParts): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await Promise.all([
    processor.flush(timeoutMs),
    ...others.map((other) => waitBriefly(other.forceFlush(), timeoutMs).catch(() => undefined)),
  ]);
  await waitBriefly(connection.release(), Math.max(100, deadline - Date.now()));
}
