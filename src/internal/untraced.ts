import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

/**
 * The context agentspan's own work runs in: tracing suppressed, so a pg/TypeORM instrumentation never turns
 * agentspan's database traffic into spans (which would be recorded, written, traced again…), and rooted, so that work
 * never joins the trace of whichever span happened to be active when it was scheduled.
 */
export const UNTRACED_CONTEXT = suppressTracing(ROOT_CONTEXT);

/** Runs `work` with tracing suppressed (see UNTRACED_CONTEXT), in the caller's context otherwise. */
export function untraced<T>(work: () => Promise<T>): Promise<T> {
  return context.with(suppressTracing(context.active()), work);
}
