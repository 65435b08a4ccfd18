import type { FlushResult } from './types';

export const FLUSH_COMPLETE: FlushResult = Object.freeze({ complete: true, pending: 0 });

interface FlushWaiter {
  /** Done once every record with a sequence number below this has been written or dropped. */
  readonly target: number;
  readonly resolve: (result: FlushResult) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The callers of `forceFlush` waiting for the records enqueued before their call. Records carry sequence numbers in
 * enqueue order, so a waiter is a target sequence: it is done once everything below it has settled, whatever order
 * the writes landed in. Its timer is left ref'd on purpose: whoever flushes asked to wait (at most its time box).
 */
export class FlushWaiters {
  private waiters: FlushWaiter[] = [];

  /** Waits until `resolveThrough` passes `target`, or `timeoutMs`; then resolves incomplete with `pendingAtTimeout()`. */
  wait(target: number, timeoutMs: number, pendingAtTimeout: () => number): Promise<FlushResult> {
    return new Promise<FlushResult>((resolve) => {
      const waiter: FlushWaiter = {
        target,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve({ complete: false, pending: pendingAtTimeout() });
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Everything below `settledThrough` has been written or dropped: the waiters it covers are done. */
  resolveThrough(settledThrough: number): void {
    if (this.waiters.length === 0) return;
    const stillWaiting: FlushWaiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.target <= settledThrough) {
        clearTimeout(waiter.timer);
        waiter.resolve(FLUSH_COMPLETE);
      } else {
        stillWaiting.push(waiter);
      }
    }
    this.waiters = stillWaiting;
  }
}
