/** One worker thread of the collector as the HTTP thread drives it: started, asked, and told when it stops. */
import { diag } from '@opentelemetry/api';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FromWorker, IntakeWorkerInit, LaneState, ToWorker } from './intake-messages';

export type Reply = Extract<FromWorker, { id: number }>;

/** One worker thread and what the HTTP thread knows of it. */
export interface Lane {
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

/** Sends a message to the worker and resolves with its answer, or undefined if the worker stops first. */
export function call(lane: Lane, message: ToWorker, transfer: ArrayBuffer[] = []): Promise<Reply | undefined> {
  if (!lane.alive) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    lane.waiting.set(message.id, resolve);
    lane.worker.postMessage(message, transfer);
  });
}

export function startLane(init: IntakeWorkerInit, onStop: (lane: Lane, code: number) => void): Promise<Lane> {
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
      onStop(lane, code);
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
