/** How the dashboard writes figures: as the CLI does (`agentspan runs`, `show`), so both read the same. */
import type { ExecutionStatus, RunTotals } from './types';

type TokenBuckets = Pick<
  RunTotals,
  'inputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'outputTokens' | 'reasoningTokens'
>;

function sum(...values: Array<number | null | undefined>): number | null {
  return values.every((value) => value == null) ? null : values.reduce<number>((total, v) => total + (v ?? 0), 0);
}

/** Tokens in as providers bill them: fresh input plus cache reads and writes. */
export function tokensIn(tokens: TokenBuckets): number | null {
  return sum(tokens.inputTokens, tokens.cacheReadTokens, tokens.cacheWriteTokens);
}

/** Tokens out: output plus reasoning. */
export function tokensOut(tokens: TokenBuckets): number | null {
  return sum(tokens.outputTokens, tokens.reasoningTokens);
}

/** Steps of a run: its model and tool calls. */
export function steps(totals: RunTotals): number | null {
  return sum(totals.llmCalls, totals.toolCalls);
}

export function count(value: number | null | undefined): string {
  return value == null ? '–' : value.toLocaleString('en-US');
}

/** `964 / 211`: tokens in / out. */
export function tokenPair(tokens: TokenBuckets): string {
  const input = tokensIn(tokens);
  const output = tokensOut(tokens);
  return input === null && output === null ? '–' : `${count(input)} / ${count(output)}`;
}

/**
 * A run's cost, as the CLI writes it: `$0.00553`; `≥$0.00125` when some model call could not be priced (a lower
 * bound); `0.00000` when nothing it ran had a price; `unknown` when no cost is known and a model call was unpriced.
 */
export function runCost(totals: RunTotals): string {
  const unpriced = totals.unknownCostCalls ?? 0;
  if (totals.costUsdExact !== null || totals.costUsd !== null) {
    const value = Number(totals.costUsdExact ?? totals.costUsd);
    if (value === 0 && unpriced === 0) return (0).toFixed(5);
    return `${unpriced > 0 ? '≥' : ''}$${value.toFixed(5)}`;
  }
  return totals.unknownCostCalls === 0 ? (0).toFixed(5) : 'unknown';
}

/** A cost figure of analytics: `$0.00553`, `unknown` for null. */
export function usd(value: number | null | undefined): string {
  if (value == null) return 'unknown';
  return value === 0 ? (0).toFixed(5) : `$${value.toFixed(5)}`;
}

/** `86 ms`, `4.20 s`, `3m 05s`, `2h 07m`. */
export function duration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${pad(seconds % 60)}s`;
  return `${Math.floor(seconds / 3600)}h ${pad(Math.floor(seconds / 60) % 60)}m`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** Local date and time, to the second: `2026-11-22 04:30:42`. */
export function dateTime(iso: string | null | undefined): string {
  if (iso == null) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** `3 min ago`, for a time in the past. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (iso == null) return '–';
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))} s ago`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)} h ago`;
  return `${Math.round(ms / 86_400_000)} d ago`;
}

export function percent(ratio: number | null | undefined, digits = 1): string {
  return ratio == null ? '–' : `${(ratio * 100).toFixed(digits)} %`;
}

/** A JSON value on one line, cut to max characters. */
export function oneLine(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The duration of something that started at startedAt: its figure when it ended, else the time since it started. */
export function elapsed(
  startedAt: string,
  durationMs: number | null,
  status: ExecutionStatus,
  now: number,
): number | null {
  if (status !== 'running') return durationMs;
  return Math.max(0, now - Date.parse(startedAt));
}

export const STATUSES: readonly ExecutionStatus[] = ['running', 'completed', 'failed', 'cancelled', 'abandoned'];
