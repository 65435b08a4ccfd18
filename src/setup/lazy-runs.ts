import {
  REPOSITORY_METHODS,
  TENANT_SCOPED_METHODS,
  type AgentRunRepository,
  type RepositoryMethod,
  type TenantRuns,
  type TenantScopedMethod,
} from '../query/agent-run-repository';
import { tenantArgument } from '../query/query-arguments';
import { checkWatchOptions } from '../query/watch/watch-options';
import { WatchSet } from '../query/watch/watch-set';

/** The query API of startAgentTelemetry: AgentRunRepository's methods (those of a tenant view, and the price ones). */
export type Runs = Pick<AgentRunRepository, RepositoryMethod>;

/** Methods whose result is a promise: the ones a wrapper can run once the target is there. */
type AsyncMethod<T> = {
  [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof T];

/** Runs before each query once the database is open: writes what was recorded so far (bounded, never rejects). */
export type BeforeQuery = () => Promise<unknown>;

/**
 * A class whose instances have the named methods of T, each waiting for the target (`target()`, given to the
 * constructor), then for `beforeQuery`, and then calling the same method on it: an object usable before the database
 * is open, whose queries see the runs that finished before them.
 */
function awaitingTarget<T, K extends AsyncMethod<T>>(methods: readonly K[]) {
  return class {
    constructor(target: () => Promise<T>, beforeQuery: BeforeQuery) {
      for (const name of methods) {
        (this as Record<PropertyKey, unknown>)[name] = async (...args: unknown[]) => {
          // The target first: a database that is down fails the query now, without waiting for the flush.
          const resolved = await target();
          await beforeQuery();
          return (resolved[name] as (...args: unknown[]) => Promise<unknown>).apply(resolved, args);
        };
      }
    }
  } as new (target: () => Promise<T>, beforeQuery: BeforeQuery) => Pick<T, K>;
}

/** The methods a wrapper runs once the target is there: not forTenant, nor watch (an async iterable, see WatchSet). */
type Delegated = Exclude<RepositoryMethod, 'forTenant' | 'watch'>;
const DELEGATED_METHODS = REPOSITORY_METHODS.filter(
  (method): method is Delegated => method !== 'forTenant' && method !== 'watch',
);
type TenantDelegated = Exclude<TenantScopedMethod, 'watch'>;
const TENANT_DELEGATED_METHODS = TENANT_SCOPED_METHODS.filter(
  (method): method is TenantDelegated => method !== 'watch',
);

/**
 * The repository behind startAgentTelemetry's `runs`: the database is opened on first use (it may not have been
 * reachable at start), and a query made while it is still down fails with the reason instead of hanging. Each query
 * first lets the processor write what it holds (`beforeQuery`), so a run that finished before the query is in it.
 */
export class LazyRuns extends awaitingTarget<AgentRunRepository, Delegated>(DELEGATED_METHODS) implements Runs {
  /** The watches of these runs and their tenant views, which shutdown() closes before the database. */
  readonly watches = new WatchSet();

  constructor(
    private readonly repository: () => Promise<AgentRunRepository>,
    private readonly beforeQuery: BeforeQuery = async () => undefined,
  ) {
    super(repository, beforeQuery);
  }

  /** The tenant id is checked now (AgentspanQueryError), not at the first query. */
  forTenant: Runs['forTenant'] = (tenantId) => {
    const checked = tenantArgument('forTenant', tenantId);
    const view = async () => (await this.repository()).forTenant(checked);
    return new LazyTenantRuns(checked, view, this.beforeQuery, this.watches);
  };

  /** Options checked now; the database is waited for by the first next(). */
  watch: Runs['watch'] = (options) => {
    checkWatchOptions(options);
    return this.watches.open(async () => (await this.repository()).watch(options));
  };
}

/** forTenant of LazyRuns: the repository's tenant view, opened on first use like the repository itself. */
class LazyTenantRuns
  extends awaitingTarget<TenantRuns, TenantDelegated>(TENANT_DELEGATED_METHODS)
  implements TenantRuns
{
  constructor(
    readonly tenantId: string,
    private readonly view: () => Promise<TenantRuns>,
    beforeQuery: BeforeQuery,
    private readonly watches: WatchSet,
  ) {
    super(view, beforeQuery);
  }

  watch: TenantRuns['watch'] = (options) => {
    checkWatchOptions(options);
    return this.watches.open(async () => (await this.view()).watch(options));
  };
}
