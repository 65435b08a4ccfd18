import { context } from '@opentelemetry/api';
import { UNTRACED_CONTEXT } from '../internal/untraced';
import type { WriteResult } from './types';
import { WriteTimeoutError } from './write-timeout-error';

type Write<T> = (batch: T[], signal: AbortSignal) => Promise<WriteResult<T>>;

/**
 * One write attempt. With a `timeoutMs` above 0 it rejects with a WriteTimeoutError once that has passed, and aborts
 * the attempt's signal so the writer can let go of its connection; the write itself is left to finish, ignored.
 */
export function attemptWrite<T>(write: Write<T>, items: T[], timeoutMs: number): Promise<unknown> {
  const abort = new AbortController();
  const attempt = invokeWriter(write, items, abort.signal);
  if (timeoutMs === 0) return attempt;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // Whatever the abandoned attempt ends with later is of no interest, and must not be an unhandled rejection.
      attempt.catch(() => undefined);
      reject(new WriteTimeoutError(`write attempt took longer than ${timeoutMs} ms; retrying`));
      abort.abort();
    }, timeoutMs);
    timer.unref();
    attempt.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Calls the writer detached from whatever span was active when the drain was scheduled, with tracing suppressed, so a
 * database instrumentation never traces our own writes. A writer that throws instead of rejecting is a rejection.
 */
function invokeWriter<T>(write: Write<T>, items: T[], signal: AbortSignal): Promise<unknown> {
  return context.with(UNTRACED_CONTEXT, () => {
    try {
      return Promise.resolve(write(items, signal));
    } catch (err) {
      return Promise.reject(err);
    }
  });
}
