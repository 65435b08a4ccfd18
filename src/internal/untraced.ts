import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

/**
 * Runs `work` with tracing suppressed, so a pg/TypeORM instrumentation never turns agentspan's own database traffic
 * into spans (which would be recorded, written, traced again…).
 */
export function untraced<T>(work: () => Promise<T>): Promise<T> {
  return context.with(suppressTracing(context.active()), work);
}
