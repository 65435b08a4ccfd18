import { diag } from '@opentelemetry/api';
import type { AgentSpanProcessorHealth, AgentSpanProcessorStats, FlushResult } from '../export/types';
import type { IntakeWorkerInit, LaneState } from './intake-messages';
import { combinedHealth, combinedStats, retiredState } from './lane-figures';
import { call, startLane, type Lane } from './worker-lane';
import {
  stopping,
  workerStopped,
  type IntakeOutcome,
  type IntakeRequest,
  type Refusal,
  type TraceIntake,
  type WorkerFigures,
} from './trace-intake';

/**
 * The collector's intake spread over worker threads, each a write path of its own (ReceiverIntake over an
 * AgentSpanProcessor with its own connections, queue, breaker and spill): the HTTP thread reads bodies and hands each
 * to the least busy worker that admits it, so decoding, mapping and writing use every core. A trace split across
 * requests that go to different workers is stored right all the same: the writer is idempotent and its totals are
 * recomputed under the trace's lock whichever write commits last, as with several collector processes.
 *
 * A worker that stops (it should not: nothing in it throws on bad input; an out-of-memory error would) is replaced by a
 * new one; what it held in its queue and in flight, by its last report, is counted as dropped (`shutdown`), its
 * unanswered requests are answered 503 (sent again), and its spill files stay for the next process to replay.
 */
export class WorkerIntake implements TraceIntake {
  private nextId = 1;
  private closing: Promise<void> | undefined;
  private lanes: Lane[] = [];
  /** The last figures of workers that stopped (not closed), what they held counted as dropped. */
  private readonly retired: LaneState[] = [];
  /** Those workers, until another takes their place. */
  private readonly retiredLanes = new Set<Lane>();

  private constructor(private readonly init: IntakeWorkerInit) {}

  /** Starts `count` workers; resolves once every one is ready, rejects (stopping the others) if one fails. */
  static async start(count: number, init: IntakeWorkerInit): Promise<WorkerIntake> {
    const intake = new WorkerIntake(init);
    const started = await Promise.allSettled(Array.from({ length: count }, () => startLane(init, intake.onStop)));
    const lanes = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const failure = started.find((outcome) => outcome.status === 'rejected');
    if (failure !== undefined) {
      intake.closing = Promise.resolve();
      await Promise.all(lanes.map((lane) => lane.worker.terminate()));
      throw failure.reason;
    }
    intake.lanes = lanes;
    return intake;
  }

  /** Stops a worker as a crash would: for fault tests. */
  async terminateWorker(index: number): Promise<void> {
    await this.lanes[index]?.worker.terminate();
  }

  admission(): Refusal | undefined {
    const alive = this.lanes.filter((lane) => lane.alive);
    if (alive.length === 0 || this.closing !== undefined) return stopping(this.init.intake.retryAfterSeconds);
    const refusals: Refusal[] = [];
    for (const lane of alive) {
      if (lane.state.admission === undefined) return undefined;
      refusals.push(lane.state.admission);
    }
    // Every worker refuses: a full queue before an unreachable database, which needs the longer wait.
    return refusals.find((refusal) => refusal.status === 429) ?? soonest(refusals);
  }

  async take(request: IntakeRequest): Promise<IntakeOutcome> {
    const lane = this.pick();
    if (lane === undefined) return { taken: false, ...stopping(this.init.intake.retryAfterSeconds) };
    const id = this.nextId++;
    // A body that is a view of a shared pool (small buffers) is copied; one that owns its memory is moved.
    const { body } = request;
    const owned = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
    const moved = owned ? body : new Uint8Array(body);
    lane.busy++;
    lane.requests++;
    try {
      const reply = await call(lane, { ...request, type: 'take', id, body: moved }, [moved.buffer as ArrayBuffer]);
      // The worker stopped before it answered: the sender keeps the spans and sends them again.
      if (reply === undefined) return { taken: false, ...workerStopped(this.init.intake.retryAfterSeconds) };
      if (reply.type === 'failed') throw new Error(reply.message);
      if (reply.type !== 'taken') throw new Error(`unexpected reply ${reply.type}`);
      return reply.outcome;
    } finally {
      lane.busy--;
    }
  }

  health(): AgentSpanProcessorHealth {
    return combinedHealth(
      this.current().map((state) => state.health),
      this.retired.map((state) => state.health),
    );
  }

  perWorker(): WorkerFigures[] {
    return this.lanes
      .filter((lane) => lane.alive)
      .map(({ state, requests }) => ({
        breaker: state.health.breaker.state,
        queueDepth: state.health.queue.depth,
        requests,
        recorded: state.stats.recorded,
        written: state.stats.written,
        droppedTotal: state.stats.droppedTotal,
      }));
  }

  stats(): AgentSpanProcessorStats {
    return combinedStats([...this.current(), ...this.retired].map((state) => state.stats));
  }

  /** The latest figures of the workers in place: running, or closed with the intake (their final figures). */
  private current(): LaneState[] {
    return this.lanes.filter((lane) => !this.retiredLanes.has(lane)).map((lane) => lane.state);
  }

  /** Waits until every worker wrote (or counted as dropped) what it had queued, as AgentSpanProcessor.flush. */
  async flush(timeoutMs?: number): Promise<FlushResult> {
    const replies = await Promise.all(
      this.lanes
        .filter((lane) => lane.alive)
        .map((lane) => call(lane, { type: 'flush', id: this.nextId++, timeoutMs })),
    );
    let complete = true;
    let pending = 0;
    for (const reply of replies) {
      if (reply?.type !== 'flushed') continue;
      complete &&= reply.result.complete;
      pending += reply.result.pending;
    }
    return { complete, pending };
  }

  /**
   * Each worker writes what it holds (or spills it) within the processor's shutdown time box and closes its
   * connections; one that does not finish in that time and a few seconds more is stopped. Idempotent.
   */
  close(): Promise<void> {
    const limitMs = (this.init.processor.shutdownTimeoutMs ?? 10_000) + 5_000;
    this.closing ??= Promise.all(
      this.lanes.map(async (lane) => {
        if (!lane.alive) return;
        const timer = setTimeout(() => void lane.worker.terminate(), limitMs);
        await call(lane, { type: 'close', id: this.nextId++ });
        clearTimeout(timer);
      }),
    ).then(() => undefined);
    return this.closing;
  }

  /** A worker stopped: its figures retired, another started in its place (not while closing). */
  private readonly onStop = (lane: Lane, code: number): void => {
    if (this.closing !== undefined) return;
    this.retiredLanes.add(lane);
    this.retired.push(retiredState(lane.state));
    diag.error(`agentspan collector: a worker stopped (exit code ${code}); starting another in its place`);
    startLane(this.init, this.onStop).then(
      (next) => {
        if (this.closing !== undefined) {
          void next.worker.terminate();
          return;
        }
        this.lanes = this.lanes.map((candidate) => (candidate === lane ? next : candidate));
        this.retiredLanes.delete(lane);
      },
      (error: unknown) => diag.error(`agentspan collector: could not start a worker in its place: ${String(error)}`),
    );
  };

  /** The least busy worker that admits requests; the least busy one alive if none does (it answers for itself). */
  private pick(): Lane | undefined {
    // Refusing workers rank after all the others, then fewer requests in hand first.
    const rank = (lane: Lane) => (lane.state.admission === undefined ? 0 : 1_000_000) + lane.busy;
    let best: Lane | undefined;
    for (const lane of this.lanes) if (lane.alive && (best === undefined || rank(lane) < rank(best))) best = lane;
    return best;
  }
}

function soonest(refusals: Refusal[]): Refusal {
  return refusals.reduce((a, b) => ((b.retryAfter ?? 0) < (a.retryAfter ?? 0) ? b : a));
}
