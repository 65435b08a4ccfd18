import { diag } from '@opentelemetry/api';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AgentSpanProcessorHealth, AgentSpanProcessorStats, FlushResult } from '../export/types';
import type { FromWorker, IntakeWorkerInit, LaneState, ToWorker } from './intake-messages';
import { combinedHealth, combinedStats } from './lane-figures';
import {
  stopping,
  type IntakeOutcome,
  type IntakeRequest,
  type Refusal,
  type TraceIntake,
  type WorkerFigures,
} from './trace-intake';

type Reply = Extract<FromWorker, { id: number }>;

/** One worker thread and what the HTTP thread knows of it. */
interface Lane {
  readonly worker: Worker;
  /** Its latest report (see STATE_INTERVAL_MS): what it would admit, its health and counters. */
  state: LaneState;
  /** Requests handed to it and not answered yet. */
  busy: number;
  /** Requests handed to it in all. */
  requests: number;
  alive: boolean;
  readonly waiting: Map<number, (reply: Reply | undefined) => void>;
}

/**
 * The collector's intake spread over worker threads, each a write path of its own (ReceiverIntake over an
 * AgentSpanProcessor with its own connections, queue, breaker and spill): the HTTP thread reads bodies and hands each
 * to the least busy worker that admits it, so decoding, mapping and writing use every core. A trace split across
 * requests that go to different workers is stored right all the same: the writer is idempotent and its totals are
 * recomputed under the trace's lock whichever write commits last, as with several collector processes.
 */
export class WorkerIntake implements TraceIntake {
  private nextId = 1;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly lanes: Lane[],
    private readonly init: IntakeWorkerInit,
  ) {}

  /** Starts `count` workers; resolves once every one is ready, rejects (stopping the others) if one fails. */
  static async start(count: number, init: IntakeWorkerInit): Promise<WorkerIntake> {
    const started = await Promise.allSettled(Array.from({ length: count }, () => startLane(init)));
    const lanes = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const failure = started.find((outcome) => outcome.status === 'rejected');
    if (failure !== undefined) {
      await Promise.all(lanes.map((lane) => lane.worker.terminate()));
      throw failure.reason;
    }
    return new WorkerIntake(lanes, init);
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
      if (reply === undefined) {
        // The worker stopped before it answered: the sender keeps the spans and sends them again.
        const retryAfter = this.init.intake.retryAfterSeconds;
        return {
          taken: false,
          status: 503,
          message: 'a worker of the collector stopped: send the spans again',
          retryAfter,
        };
      }
      if (reply.type === 'failed') throw new Error(reply.message);
      if (reply.type !== 'taken') throw new Error(`unexpected reply ${reply.type}`);
      return reply.outcome;
    } finally {
      lane.busy--;
    }
  }

  health(): AgentSpanProcessorHealth {
    return combinedHealth(this.lanes.map((lane) => lane.state.health));
  }

  perWorker(): WorkerFigures[] {
    return this.lanes.map(({ state, requests }) => ({
      breaker: state.health.breaker.state,
      queueDepth: state.health.queue.depth,
      requests,
      recorded: state.stats.recorded,
      written: state.stats.written,
      droppedTotal: state.stats.droppedTotal,
    }));
  }

  stats(): AgentSpanProcessorStats {
    return combinedStats(this.lanes.map((lane) => lane.state.stats));
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

  /** The least busy worker that admits requests; the least busy one alive if none does (it answers for itself). */
  private pick(): Lane | undefined {
    let best: Lane | undefined;
    for (const lane of this.lanes) {
      if (!lane.alive) continue;
      const better =
        best === undefined ||
        (lane.state.admission === undefined && best.state.admission !== undefined) ||
        ((lane.state.admission === undefined) === (best.state.admission === undefined) && lane.busy < best.busy);
      if (better) best = lane;
    }
    return best;
  }
}

function soonest(refusals: Refusal[]): Refusal {
  return refusals.reduce((a, b) => ((b.retryAfter ?? 0) < (a.retryAfter ?? 0) ? b : a));
}

/** Sends a message to the worker and resolves with its answer, or undefined if the worker stops first. */
function call(lane: Lane, message: ToWorker, transfer: ArrayBuffer[] = []): Promise<Reply | undefined> {
  if (!lane.alive) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    lane.waiting.set(message.id, resolve);
    lane.worker.postMessage(message, transfer);
  });
}

function startLane(init: IntakeWorkerInit): Promise<Lane> {
  const { source, execArgv } = workerSource();
  const worker = new Worker(source, { eval: true, workerData: init, execArgv });
  return new Promise<Lane>((resolve, reject) => {
    let lane: Lane | undefined;
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'diag') {
        diag[message.level](message.message);
        return;
      }
      if (message.type === 'ready') {
        lane = { worker, state: message.state, busy: 0, requests: 0, alive: true, waiting: new Map() };
        resolve(lane);
        return;
      }
      if (lane === undefined) return;
      lane.state = message.state;
      if (message.type === 'state') return;
      const waiter = lane.waiting.get(message.id);
      lane.waiting.delete(message.id);
      waiter?.(message);
    });
    worker.on('error', (error) => {
      if (lane === undefined) reject(error);
      else diag.error(`agentspan collector: a worker failed: ${String(error)}`);
    });
    worker.on('exit', (code) => {
      if (lane === undefined) {
        reject(new Error(`agentspan collector: a worker exited with code ${code} before it was ready`));
        return;
      }
      lane.alive = false;
      for (const waiter of lane.waiting.values()) waiter(undefined);
      lane.waiting.clear();
    });
  });
}

/**
 * The worker's code: the compiled intake-worker.js next to this file; from the TypeScript sources (tests,
 * `npm run agentspan`) the .ts file, behind the TypeScript loader this process was started with (`-r …`), which the
 * worker inherits, or else ts-node's. The `ts-node` command registers itself without one: its process.execArgv names
 * its own script and flags, which are no loader for a worker.
 */
export function workerSource(
  extension = extname(__filename),
  execArgv: readonly string[] = process.execArgv,
): { source: string; execArgv: string[] | undefined } {
  const source = `require(${JSON.stringify(join(__dirname, `intake-worker${extension}`))});`;
  if (extension !== '.ts') return { source, execArgv: undefined };
  const loaded = execArgv.some(
    (argument, index) =>
      ((argument === '-r' || argument === '--require') && TYPESCRIPT_LOADER.test(execArgv[index + 1] ?? '')) ||
      (argument.startsWith('--require=') && TYPESCRIPT_LOADER.test(argument)),
  );
  return {
    source,
    execArgv: loaded ? undefined : ['-r', require.resolve('ts-node/register/transpile-only')],
  };
}

const TYPESCRIPT_LOADER = /ts-node[\\/]register|transpile-register/;
