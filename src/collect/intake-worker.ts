/**
 * A worker thread of `agentspan collect`: one write path of its own (database connections, queue, breaker, spill)
 * that decodes, maps and queues the request bodies the HTTP thread hands it (see WorkerIntake).
 */
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { parentPort, workerData } from 'node:worker_threads';
import {
  STATE_INTERVAL_MS,
  type FromWorker,
  type IntakeWorkerInit,
  type LaneState,
  type ToWorker,
} from './intake-messages';
import { openWritePath } from './write-path';

const port = parentPort!;
const init = workerData as IntakeWorkerInit;
const post = (message: FromWorker) => port.postMessage(message);

// The library's warnings and errors reach the HTTP thread's diag logger (the CLI prints them on stderr).
diag.setLogger(
  {
    error: (message) => post({ type: 'diag', level: 'error', message }),
    warn: (message) => post({ type: 'diag', level: 'warn', message }),
    info: () => undefined,
    debug: () => undefined,
    verbose: () => undefined,
  },
  { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
);

const writePath = openWritePath(init);
const { processor, intake } = writePath;
const state = (): LaneState => ({
  admission: intake.admission(),
  health: processor.health(),
  stats: processor.stats(),
});

const stateTimer = setInterval(() => post({ type: 'state', state: state() }), STATE_INTERVAL_MS);
stateTimer.unref();

port.on('message', (message: ToWorker) => {
  void answer(message).catch((error: unknown) => {
    post({ type: 'failed', id: message.id, message: String(error), state: state() });
  });
});

async function answer(message: ToWorker): Promise<void> {
  if (message.type === 'take') {
    const outcome = await intake.take(message);
    post({ type: 'taken', id: message.id, outcome, state: state() });
  } else if (message.type === 'flush') {
    const result = await processor.flush(message.timeoutMs);
    post({ type: 'flushed', id: message.id, result, state: state() });
  } else {
    clearInterval(stateTimer);
    await writePath.close();
    post({ type: 'closed', id: message.id, state: state() });
    port.close();
  }
}

post({ type: 'ready', state: state() });
