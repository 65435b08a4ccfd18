import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { isTracingSuppressed } from '@opentelemetry/core';
import { Client } from 'pg';

/**
 * Records, for every pg query, whether tracing was suppressed in the active context — what a pg instrumentation
 * looks at first. Install in beforeAll, uninstall in afterAll; `seen` is the list, in query order.
 */
export function suppressionProbe(): { seen: boolean[]; install(): void; uninstall(): void } {
  const contextManager = new AsyncLocalStorageContextManager();
  const originalQuery = Client.prototype.query;
  const seen: boolean[] = [];
  return {
    seen,
    install() {
      context.setGlobalContextManager(contextManager.enable());
      Client.prototype.query = function (this: Client, ...args: unknown[]) {
        seen.push(isTracingSuppressed(context.active()));
        return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof Client.prototype.query;
    },
    uninstall() {
      Client.prototype.query = originalQuery;
      context.disable();
    },
  };
}
