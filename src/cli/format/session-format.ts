import type { SessionSummary } from '../../query/session-types';
import { oneLine } from './text-table';

/** One table row per session, as `agentspan sessions` prints them. */
export function sessionRows(sessions: readonly SessionSummary[]): Array<Record<string, string>> {
  return sessions.map((session) => {
    const { totals, statusCounts } = session;
    return {
      started: session.startedAt.toISOString(),
      session: oneLine(session.sessionId, 40),
      runs: count(session.runCount),
      ok: count(statusCounts.completed),
      failed: count(statusCounts.failed),
      running: count(statusCounts.running),
      duration: session.durationMs === null ? '' : `${count(Math.round(session.durationMs))} ms`,
      'tokens in': sum(totals.inputTokens, totals.cacheReadTokens, totals.cacheWriteTokens),
      'tokens out': sum(totals.outputTokens, totals.reasoningTokens),
      // A cost with calls of unknown cost is a lower bound.
      'cost $':
        totals.costUsdExact === null
          ? 'unknown'
          : `${(totals.unknownCostCalls ?? 0) > 0 ? '≥' : ''}${Number(totals.costUsdExact).toFixed(5)}`,
      agents: oneLine(session.agents.join(', '), 40),
    };
  });
}

function sum(...values: Array<number | null>): string {
  return values.every((value) => value === null)
    ? ''
    : count(values.reduce<number>((total, value) => total + (value ?? 0), 0));
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}
