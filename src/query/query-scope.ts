import type { DataSource } from 'typeorm';
import { AgentspanQueryError } from './agentspan-query-error';
import { describeValue } from './query-arguments';

/** What every query of a repository runs against: its database and, for a tenant view (forTenant), the tenant. */
export interface QueryScope {
  readonly dataSource: DataSource;
  readonly tenantId?: string;
}

/**
 * The options of a query that filters by tenant, with the scope's tenant when it has one (never without it, whatever
 * was passed); as given when it has none. Options may repeat the view's tenantId; another one is refused.
 */
export function withTenant<T extends object | undefined>(scope: QueryScope, method: string, options: T): T {
  const { tenantId } = scope;
  if (tenantId === undefined) return options;
  if (options === undefined || options === null) return { tenantId } as T;
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new AgentspanQueryError(`${method}: options must be an object, got ${describeValue(options)}`);
  }
  const given: unknown = (options as { tenantId?: unknown }).tenantId;
  if (given !== undefined && given !== tenantId) {
    throw new AgentspanQueryError(
      `${method}: tenantId is ${describeValue(tenantId)} in this view (forTenant), got ${describeValue(given)}`,
    );
  }
  return { ...options, tenantId };
}
