/**
 * The API's payloads as the page receives them: the repository's types (src/query, imported for their types only)
 * after JSON serialization, where every Date arrives as an ISO-8601 string.
 */
import type {
  CostBreakdownResult,
  DecisionStatsResult,
  ErrorGroup,
  StatsGroup,
  StatsResult,
} from '../src/query/analytics-types';
import type { SessionPage, SessionSummary } from '../src/query/session-types';
import type {
  DecisionPage,
  DecisionView,
  EventView,
  ExecutionKind,
  ExecutionStatus,
  JsonObject,
  JsonValue,
  PerformanceView,
  RunNode,
  RunPage,
  RunSummary,
  RunTotals,
  RunTree,
} from '../src/query/types';
import type { RunChange } from '../src/query/watch/watch-types';

/** T as JSON.parse(JSON.stringify(t)) gives it back: Dates become strings, the rest keeps its shape. */
export type Json<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Json<U>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

export type { ExecutionKind, ExecutionStatus, JsonObject, JsonValue, RunTotals };

export type Run = Json<RunSummary>;
/** GET /api/runs: a page of history, and the change-log position taken before it was read (for /api/live?after=). */
export type Runs = Json<RunPage> & { liveCursor: string };
export type Tree = Json<RunTree>;
export type StepNode = Json<RunNode>;
export type Performance = Json<PerformanceView>;
export type Decision = Json<DecisionView>;
export type Decisions = Json<DecisionPage>;
export type StepEvent = Json<EventView>;
export type Change = Json<RunChange>;
export type Session = Json<SessionSummary>;
export type Sessions = Json<SessionPage>;
export type Stats = Json<StatsResult>;
export type StatsRow = Json<StatsGroup>;
export type Costs = Json<CostBreakdownResult>;
export type ErrorRow = Json<ErrorGroup>;
export type DecisionStats = Json<DecisionStatsResult>;

/** GET /api/config */
export interface Config {
  version: string;
  /** The tenant the server is pinned to; null when it serves every tenant. */
  tenant: string | null;
  /** Whether /api/live is served. */
  live: boolean;
}

/**
 * The part of AgentSpanProcessorHealth (src/export/types.ts) the health page shows, as JSON. Declared here rather
 * than imported: that module's imports (typeorm, the pipeline) do not type-check under the browser's libraries.
 */
export interface ProcessHealth {
  queue: { depth: number; bytes: number; inFlight: number; inFlightBytes: number };
  breaker: { state: string; consecutiveFailures: number; opened: number; nextProbeAt: string | null };
  lastError: string | null;
  spill: { enabled: boolean; directory: string | null; bytes: number; records: number; files: number; pending: number };
  counters: {
    recorded: number;
    written: number;
    retried: number;
    spilled: number;
    recovered: number;
    dropped: Record<string, number>;
    droppedTotal: number;
    ignored: number;
    abandonedRuns: number;
  };
}

/** GET /api/health */
export interface Health {
  database: { reachable: boolean; error?: string };
  rollups: { latestHour: string | null; lagMinutes: number | null } | null;
  process: ProcessHealth | null;
}
