import type {
  AgentSpanProcessorHealth,
  AgentSpanProcessorOptions,
  AgentSpanProcessorStats,
  FlushResult,
} from '../export/types';
import type { IntakeOptions, IntakeOutcome, IntakeRequest, Refusal } from './trace-intake';

/** What a worker of the collector needs to start its write path (workerData). */
export interface IntakeWorkerInit {
  databaseUrl: string;
  migrate: boolean;
  processor: Pick<
    AgentSpanProcessorOptions,
    'queue' | 'writer' | 'breaker' | 'spill' | 'shutdownTimeoutMs' | 'warnings'
  >;
  intake: IntakeOptions;
}

/** What a worker reports with every answer and every STATE_INTERVAL_MS. */
export interface LaneState {
  admission: Refusal | undefined;
  health: AgentSpanProcessorHealth;
  stats: AgentSpanProcessorStats;
}

export const STATE_INTERVAL_MS = 100;

export type ToWorker =
  | ({ type: 'take'; id: number } & IntakeRequest)
  | { type: 'flush'; id: number; timeoutMs: number | undefined }
  | { type: 'close'; id: number };

export type FromWorker =
  | { type: 'ready'; state: LaneState }
  | { type: 'state'; state: LaneState }
  | { type: 'taken'; id: number; outcome: IntakeOutcome; state: LaneState }
  | { type: 'failed'; id: number; message: string; state: LaneState }
  | { type: 'flushed'; id: number; result: FlushResult; state: LaneState }
  | { type: 'closed'; id: number; state: LaneState }
  | { type: 'diag'; level: 'error' | 'warn'; message: string };
