import { prepareReceivedSpans, type OfferOutcome, type ReceivedBatch } from '../export/received-spans';
import type { AgentSpanProcessorHealth } from '../export/types';
import { decodeBody, RequestProblem, type OtlpFormat } from './otlp-body';
import { readTraceRequest } from './read-trace-request';

/** What an intake hands spans to: an AgentSpanProcessor (or anything that receives and reports like one). */
export interface SpanReceiver {
  offer(batch: ReceivedBatch): OfferOutcome;
  /** Whether this many more spans would be taken now. */
  hasRoomFor(count: number): boolean;
  health(): AgentSpanProcessorHealth;
}

/** One request's body, read and decompressed, for an intake. */
export interface IntakeRequest {
  body: Uint8Array;
  format: OtlpFormat;
  /** The tenant the collector pins or the request's header names, over what the spans say. */
  tenant: string | undefined;
}

/** Why a request was not taken: 429 or 503 (sent again after `retryAfter` seconds), or what was wrong with it. */
export interface Refusal {
  status: number;
  message: string;
  retryAfter?: number;
}

export type IntakeOutcome =
  { taken: true; accepted: number; ignored: number; rejected: number; message: string } | ({ taken: false } & Refusal);

/**
 * Where the collector's HTTP side hands request bodies: decoded, placed, mapped and queued for writing, in this thread
 * (ReceiverIntake) or in worker threads (WorkerIntake).
 */
export interface TraceIntake {
  /** A refusal before the body is read (database unreachable, or no room while enough requests wait), or none. */
  admission(): Refusal | undefined;
  take(request: IntakeRequest): Promise<IntakeOutcome>;
  health(): AgentSpanProcessorHealth;
  /** Each worker thread's own figures, when it spreads requests over workers (see WorkerIntake). */
  perWorker?(): WorkerFigures[];
}

/** One worker's queue, breaker and counters, as /healthz lists them. */
export interface WorkerFigures {
  breaker: AgentSpanProcessorHealth['breaker']['state'];
  queueDepth: number;
  requests: number;
  recorded: number;
  written: number;
  droppedTotal: number;
}

export interface IntakeOptions {
  /** How long a request whose spans do not fit may wait for room before 429. */
  queueWaitMs: number;
  /** Retry-After when the queue is full, and the least while the database is unreachable. */
  retryAfterSeconds: number;
}

/** Requests that may wait for room in a full queue at once, and how often each looks. */
export const MAX_WAITING = 16;
const WAIT_STEP_MS = 10;

/** The intake of one write path (a SpanReceiver) in this thread. */
export class ReceiverIntake implements TraceIntake {
  // Spans per request lately: when the queue has no room for that many and enough requests already wait for room, a
  // request is refused before its body is read and decoded: an overloaded collector spends nothing on it.
  private typicalSpans = 1;
  private waiting = 0;

  constructor(
    private readonly receiver: SpanReceiver,
    private readonly options: IntakeOptions,
  ) {}

  admission(): Refusal | undefined {
    const unreachable = refusalOf(this.receiver.health(), this.options.retryAfterSeconds);
    if (unreachable !== undefined) return unreachable;
    const full =
      !this.receiver.hasRoomFor(this.typicalSpans) && (this.options.queueWaitMs === 0 || this.waiting >= MAX_WAITING);
    return full ? queueFull(this.options.retryAfterSeconds) : undefined;
  }

  async take(request: IntakeRequest): Promise<IntakeOutcome> {
    let batch: ReceivedBatch;
    let read: ReturnType<typeof readTraceRequest>;
    try {
      const body = Buffer.isBuffer(request.body)
        ? request.body
        : Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
      read = readTraceRequest(decodeBody(body, request.format), { tenant: request.tenant });
      batch = await prepareReceivedSpans(read.spans);
    } catch (error) {
      if (error instanceof RequestProblem) return { taken: false, status: error.status, message: error.message };
      throw error;
    }
    this.typicalSpans = Math.max(1, Math.round(this.typicalSpans * 0.8 + read.spans.length * 0.2));
    const outcome = await this.offerWhileWaiting(batch);
    if (outcome !== 'queued') {
      const retryAfter = this.options.retryAfterSeconds;
      return { taken: false, ...(outcome === 'queue_full' ? queueFull(retryAfter) : stopping(retryAfter)) };
    }
    const rejected = read.rejected + batch.rejected.length;
    const reasons = [...read.reasons, ...batch.rejected].slice(0, 3).join('; ');
    return {
      taken: true,
      accepted: read.spans.length - batch.rejected.length,
      ignored: batch.ignored,
      rejected,
      message: rejected === 0 ? '' : `${rejected} span(s) rejected: ${reasons}`,
    };
  }

  health(): AgentSpanProcessorHealth {
    return this.receiver.health();
  }

  /**
   * Offers the batch; while the queue is full, a few requests at a time wait (up to queueWaitMs) for the writer to
   * make room rather than being sent back at once: a sender told 429 waits a whole Retry-After second, in which a busy
   * writer would empty the queue and then idle.
   */
  private async offerWhileWaiting(batch: ReceivedBatch): Promise<OfferOutcome> {
    let outcome = this.receiver.offer(batch);
    if (outcome !== 'queue_full' || this.waiting >= MAX_WAITING) return outcome;
    this.waiting++;
    try {
      for (let waited = 0; outcome === 'queue_full' && waited < this.options.queueWaitMs; waited += WAIT_STEP_MS) {
        await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
        outcome = this.receiver.offer(batch);
      }
      return outcome;
    } finally {
      this.waiting--;
    }
  }
}

/** 503 while the breaker is open (the database unreachable): until its next probe, at least `minimum` seconds. */
export function refusalOf(health: AgentSpanProcessorHealth, minimum: number): Refusal | undefined {
  if (health.breaker.state !== 'open') return undefined;
  const untilProbe = health.breaker.nextProbeAt === null ? 0 : health.breaker.nextProbeAt.getTime() - Date.now();
  return {
    status: 503,
    message: 'the database is unreachable: the spans are not taken, send them again after Retry-After',
    retryAfter: Math.max(minimum, Math.ceil(untilProbe / 1000)),
  };
}

export function queueFull(retryAfter: number): Refusal {
  return { status: 429, message: 'the queue is full: retry after a moment', retryAfter };
}

export function stopping(retryAfter: number): Refusal {
  return { status: 503, message: 'the collector is shutting down: send to another one, or retry', retryAfter };
}

export function workerStopped(retryAfter: number): Refusal {
  return { status: 503, message: 'a worker of the collector stopped: send the spans again', retryAfter };
}
