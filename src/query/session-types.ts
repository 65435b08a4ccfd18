import type { ExecutionStatus } from '../model/records';
import type { HistoryOptions, RunSummary, RunTotals } from './types';

/**
 * Options and results of sessions(): the agent runs of each withAgentContext sessionId, as one entry.
 */

export interface SessionOptions extends Omit<HistoryOptions, 'limit' | 'cursor'> {
  /** Sessions per page, 1–100. Default 20. */
  limit?: number;
  /** `nextCursor` of the previous page; absent or null for the first page. */
  cursor?: string | null;
  /** How many of its runs each session lists, newest first, 0–100. Default 10. */
  runsPerSession?: number;
}

/**
 * One session: its runs (agent runs of kind 'agent', nested ones included, as history counts them) and their
 * figures. A session is listed when one of its runs matches every filter; what it shows is the whole session (in a
 * tenant view, or with a tenantId, the tenant's runs of it).
 */
export interface SessionSummary {
  sessionId: string;
  /** The start of its first run: sessions are listed newest first by this. */
  startedAt: Date;
  /** The start of its latest run. */
  lastStartedAt: Date;
  /** The latest end of its runs; null while none has ended. */
  endedAt: Date | null;
  /** From startedAt to endedAt (so far, while runs are still running); null while none has ended. */
  durationMs: number | null;
  runCount: number;
  /** Runs by status, every status present (0 when none). */
  statusCounts: Record<ExecutionStatus, number>;
  /** The agents of its runs, by name. */
  agents: string[];
  /**
   * Tokens, cost and calls of the whole session: the sums of the totals of its outermost runs (a run nested in
   * another run of the session is already in that run's totals, so it is not added again). Null when no run has
   * reported the figure; unknownCostCalls above 0 means costUsd is a lower bound.
   */
  totals: RunTotals;
  /** Its newest runs, newest first, at most runsPerSession, as history() lists them. */
  runs: RunSummary[];
}

export interface SessionPage {
  /** Newest first (by the start of their first run). */
  sessions: SessionSummary[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}
