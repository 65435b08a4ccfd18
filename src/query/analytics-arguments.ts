import type { ExecutionStatus } from '../model/records';
import { AgentspanQueryError } from './agentspan-query-error';
import type { AnalyticsFilters } from './analytics-types';
import { checkTimeRange, describeValue, statusFilter, textFilter, timeBound } from './query-arguments';
import { RUN_FILTER_OPTIONS, runFilters, type CheckedRunFilters } from './run-filters';

/** The checked filters of a query that reads runs (analytics, history, sessions), in the form the SQL wants. */
export interface CheckedFilters extends CheckedRunFilters {
  agent?: string;
  tenantId?: string;
  userId?: string;
  statuses?: ExecutionStatus[];
  since?: string;
  until?: string;
}

export const ANALYTICS_FILTER_OPTIONS: readonly (keyof AnalyticsFilters)[] = [
  'agent',
  'tenantId',
  'userId',
  'status',
  'since',
  'until',
  ...RUN_FILTER_OPTIONS,
];

export function analyticsFilters(method: string, given: AnalyticsFilters): CheckedFilters {
  const since = timeBound(method, 'since', given.since);
  const until = timeBound(method, 'until', given.until);
  checkTimeRange(method, since, until);
  return {
    agent: textFilter(method, 'agent', given.agent),
    tenantId: textFilter(method, 'tenantId', given.tenantId),
    userId: textFilter(method, 'userId', given.userId),
    statuses: statusFilter(method, given.status),
    since,
    until,
    ...runFilters(method, given),
  };
}

/** One of a fixed set of words (groupBy, kind, source). */
export function oneOf<T extends string>(method: string, name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new AgentspanQueryError(`${method}: ${name} must be one of ${allowed.join(', ')}, got ${describeValue(value)}`);
}

/** An integer from 1 to max, or the default when absent. */
export function boundedCount(method: string, name: string, value: unknown, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new AgentspanQueryError(
      `${method}: ${name} must be an integer from 1 to ${max}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** A positive number (hours, say), or the default when absent. */
export function positiveNumber(method: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new AgentspanQueryError(`${method}: ${name} must be a positive number, got ${describeValue(value)}`);
  }
  return value;
}
