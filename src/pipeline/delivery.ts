import { describeError } from '../internal/describe-error';
import { backoffDelayMs } from './backoff';
import type { TakenBatch } from './bounded-queue';
import { requestPermit, type CircuitBreaker } from './circuit-breaker';
import type { DiagThrottle } from './diag-throttle';
import type { InFlightBatches } from './in-flight-batches';
import type { ResolvedPipelineOptions } from './options';
import type { RecordLedger } from './record-ledger';
import type { RejectedRecord } from './types';
import { attemptWrite } from './write-attempt';
import { WriteTimeoutError } from './write-timeout-error';

/** What became of a batch handed to `deliver`: counted, to be spilled instead, or taken over by shutdown. */
export type WriteOutcome = 'settled' | 'spill' | 'gone';

type DeliveryOptions<T> = Pick<ResolvedPipelineOptions<T>, 'write' | 'isTransientError' | 'writeTimeoutMs' | 'retry'>;

/**
 * Writes batches through the writer: each attempt under the write deadline, transient failures retried with
 * exponential backoff and full jitter, every attempt asked of the circuit breaker and its outcome told to it. With a
 * spill, a batch whose retry the breaker refuses goes there instead of waiting in memory.
 */
export class Delivery<T> {
  private retriedCount = 0;
  private lastFailure: string | null = null;
  private retryingCount = 0;
  /** Backoff sleeps in progress; a breaker change or shutdown cuts them short. */
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly options: DeliveryOptions<T>,
    private readonly canSpill: boolean,
    private readonly inFlight: InFlightBatches<T>,
    private readonly ledger: RecordLedger<T>,
    private readonly breaker: CircuitBreaker | undefined,
    private readonly report: DiagThrottle,
  ) {}

  /** Write attempts that failed transiently and were retried. */
  get retried(): number {
    return this.retriedCount;
  }

  /** Message of the most recent failed write, kept after the writer recovers. */
  get lastError(): string | null {
    return this.lastFailure;
  }

  /** Batches whose last attempt failed and that wait for their retry (no new write starts meanwhile). */
  get retrying(): number {
    return this.retryingCount;
  }

  /**
   * Writes one batch, retrying transient failures, until it is settled, shutdown abandons it, or (with a spill) the
   * breaker says the database is away and the batch should go to the spill instead.
   */
  async deliver(batch: TakenBatch<T>): Promise<WriteOutcome> {
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) {
        const next = await this.permitForRetry(batch);
        if (next !== 'write') return next;
      }
      let result: unknown;
      let failure: { error: unknown } | null = null;
      try {
        result = await attemptWrite(this.options.write, batch.items.slice(), this.options.writeTimeoutMs);
      } catch (error) {
        failure = { error };
      }
      if (!this.inFlight.has(batch)) {
        this.report.report('debug', 'late_write', () => 'a write settled after shutdown had given up on it; ignored');
        return 'gone';
      }
      if (failure === null) {
        this.breaker?.success();
        this.settleWritten(batch, result);
        return 'settled';
      }

      const message = describeError(failure.error);
      this.lastFailure = message;
      if (!this.isTransient(failure.error)) {
        // The database answered: as far as the breaker is concerned it is reachable.
        this.breaker?.success();
        this.inFlight.settle(batch);
        this.ledger.drop(batch.items, 'write_failed', message);
        return 'settled';
      }

      this.retriedCount++;
      this.breaker?.failure();
      if (this.breaker !== undefined && this.breaker.state !== 'closed') {
        this.report.report('warn', 'breaker_open', () => `writes paused: the database keeps failing (${message})`);
        continue; // permitForRetry waits for the probe, or sends the batch to the spill
      }
      const delay = backoffDelayMs(attempt, this.options.retry);
      this.report.report(
        'warn',
        'write_retry',
        () =>
          `write of ${batch.count} records failed (attempt ${attempt}), retrying in ${Math.round(delay)} ms: ${message}`,
      );
      await this.sleepWhileRetrying(delay);
      if (!this.inFlight.has(batch)) return 'gone';
    }
  }

  /** Cuts every backoff sleep short: the breaker changed state, or shutdown took the batches over. */
  wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  /** Before a retry: go ahead, go to the spill (the breaker is not closed and there is one), or wait for the probe. */
  private async permitForRetry(batch: TakenBatch<T>): Promise<'write' | 'spill' | 'gone'> {
    for (;;) {
      if (!this.inFlight.has(batch)) return 'gone';
      const permit = requestPermit(this.breaker);
      if (permit.allowed) return 'write';
      if (this.canSpill) return 'spill';
      await this.sleepWhileRetrying(permit.retryInMs);
    }
  }

  private settleWritten(batch: TakenBatch<T>, result: unknown): void {
    const rejected = this.readRejected(result).slice(0, batch.count);
    this.inFlight.settle(batch);
    this.ledger.written += batch.count - rejected.length;
    if (rejected.length > 0) this.ledger.dropRejected(rejected);
  }

  private readRejected(result: unknown): Array<RejectedRecord<T>> {
    const rejected = (result as { rejected?: unknown } | null | undefined)?.rejected;
    if (Array.isArray(rejected)) return rejected as Array<RejectedRecord<T>>;
    if (rejected !== undefined || typeof result !== 'object' || result === null) {
      this.report.report(
        'warn',
        'malformed_result',
        () => 'write() resolved without a { written, rejected } result; counting the batch as written',
      );
    }
    return [];
  }

  private isTransient(error: unknown): boolean {
    if (error instanceof WriteTimeoutError) return true;
    try {
      return Boolean(this.options.isTransientError(error));
    } catch (err) {
      // Retrying keeps the data; the bounds keep memory in check if the guess was wrong.
      this.report.report('error', 'isTransientError', () => `isTransientError threw, retrying: ${describeError(err)}`);
      return true;
    }
  }

  /** A backoff delay that a breaker change or shutdown can cut short; its timer never holds the process open. */
  private async sleepWhileRetrying(ms: number): Promise<void> {
    this.retryingCount++;
    try {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.sleepers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, ms);
        timer.unref();
        this.sleepers.add(wake);
      });
    } finally {
      this.retryingCount--;
    }
  }
}
