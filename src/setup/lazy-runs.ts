import {
  REPOSITORY_METHODS,
  TENANT_SCOPED_METHODS,
  type AgentRunRepository,
  type RepositoryMethod,
  type TenantRuns,
  type TenantScopedMethod,
} from '../query/agent-run-repository';
import { tenantArgument } from '../query/query-arguments';

/** The query API of startAgentTelemetry: AgentRunRepository's methods (those of a tenant view, and the price ones). */
export type Runs = Pick<AgentRunRepository, RepositoryMethod>;

/** Methods whose result is a promise: the ones a wrapper can run once the target is there. */
type AsyncMethod<T> = {
  [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof T];

/**
 * A class whose instances have the named methods of T, each waiting for the target (`target()`, given to the
 * constructor) and then calling the same method on it: an object usable before the database is open.
 */
function awaitingTarget<T, K extends AsyncMethod<T>>(methods: readonly K[]) {
  return class {
    constructor(target: () => Promise<T>) {
      for (const name of methods) {
        (this as Record<PropertyKey, unknown>)[name] = async (...args: unknown[]) => {
          const resolved = await target();
          return (resolved[name] as (...args: unknown[]) => Promise<unknown>).apply(resolved, args);
        };
      }
    }
  } as new (target: () => Promise<T>) => Pick<T, K>;
}

const DELEGATED_METHODS = REPOSITORY_METHODS.filter(
  (method): method is Exclude<RepositoryMethod, 'forTenant'> => method !== 'forTenant',
);

/**
 * The repository behind startAgentTelemetry's `runs`: the database is opened on first use (it may not have been
 * reachable at start), and a query made while it is still down fails with the reason instead of hanging.
 */
export class LazyRuns
  extends awaitingTarget<AgentRunRepository, Exclude<RepositoryMethod, 'forTenant'>>(DELEGATED_METHODS)
  implements Runs
{
  constructor(private readonly repository: () => Promise<AgentRunRepository>) {
    super(repository);
  }

  /** The tenant id is checked now (AgentspanQueryError), not at the first query. */
  forTenant: Runs['forTenant'] = (tenantId) => {
    const checked = tenantArgument('forTenant', tenantId);
    return new LazyTenantRuns(checked, async () => (await this.repository()).forTenant(checked));
  };
}

/** forTenant of LazyRuns: the repository's tenant view, opened on first use like the repository itself. */
class LazyTenantRuns
  extends awaitingTarget<TenantRuns, TenantScopedMethod>(TENANT_SCOPED_METHODS)
  implements TenantRuns
{
  constructor(
    readonly tenantId: string,
    view: () => Promise<TenantRuns>,
  ) {
    super(view);
  }
}
