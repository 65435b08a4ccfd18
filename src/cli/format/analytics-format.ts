import type { CostBreakdownResult, ErrorGroup, StatsResult, TokenTotals } from '../../query/analytics-types';
import { oneLine } from './text-table';

/** Tables of the analytics commands (stats, errors, costs): one row per group, figures right for reading. */

export function statsRows(result: StatsResult): Array<Record<string, string>> {
  return result.groups.map((group) => ({
    [result.groupBy]: group.key ?? '(none)',
    runs: count(group.count),
    ok: count(group.succeeded),
    failed: count(group.failed),
    'success %': group.successRate === null ? '' : (group.successRate * 100).toFixed(1),
    'p50 ms': milliseconds(group.duration.p50Ms),
    'p95 ms': milliseconds(group.duration.p95Ms),
    'p99 ms': milliseconds(group.duration.p99Ms),
    'tokens in': tokensIn(group.tokens),
    'tokens out': tokensOut(group.tokens),
    'cost $': dollars(group.costUsd),
  }));
}

/** One row per business metric of each group, when any was recorded. */
export function metricRows(result: StatsResult): Array<Record<string, string>> {
  return result.groups.flatMap((group) =>
    Object.entries(group.metrics).map(([name, metric]) => ({
      [result.groupBy]: group.key ?? '(none)',
      metric: name,
      count: count(metric.count),
      sum: figure(metric.sum),
      avg: figure(metric.avg),
      p95: metric.p95 === null ? '' : figure(metric.p95),
    })),
  );
}

export function statsFooter(result: StatsResult): string {
  const source = result.approximate ? 'hourly rollups (percentiles approximate, within 2.5 %)' : 'raw rows (exact)';
  return `${result.kind} runs; read from ${source}\n`;
}

export function errorRows(groups: readonly ErrorGroup[]): Array<Record<string, string>> {
  return groups.map((group) => ({
    count: count(group.count),
    type: group.errorType ?? '',
    message: oneLine(group.errorMessage ?? '', 60),
    agents: group.agents.join(', '),
    'last seen': group.lastSeenAt.toISOString(),
    'latest trace': group.latestTraceId,
  }));
}

export function costRows(result: CostBreakdownResult): Array<Record<string, string>> {
  const rows = [...result.groups, { key: 'total', ...result.total }];
  return rows.map((group) => ({
    [result.groupBy]: group.key ?? '(none)',
    executions: count(group.executions),
    'cost $': dollars(group.costUsd),
    'tokens in': tokensIn(group.tokens),
    'tokens out': tokensOut(group.tokens),
    'unknown-cost executions': count(group.unknownCost.executions),
    'unknown-cost tokens': count(group.unknownCost.tokens),
  }));
}

/** All input the model read: input + cache reads + cache writes. */
function tokensIn(tokens: TokenTotals): string {
  return total(tokens.input, tokens.cacheRead, tokens.cacheWrite);
}

/** All output it wrote: output + reasoning. */
function tokensOut(tokens: TokenTotals): string {
  return total(tokens.output, tokens.reasoning);
}

function total(...values: Array<number | null>): string {
  return values.every((value) => value === null)
    ? ''
    : count(values.reduce<number>((sum, value) => sum + (value ?? 0), 0));
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function milliseconds(value: number | null): string {
  return value === null ? '' : Math.round(value).toLocaleString('en-US');
}

function dollars(value: number | null): string {
  return value === null ? 'unknown' : value.toFixed(5);
}

function figure(value: number): string {
  return Number.isInteger(value) ? count(value) : value.toPrecision(6).replace(/\.?0+$/, '');
}
