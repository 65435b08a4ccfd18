import type { DataSource } from 'typeorm';
import {
  AgentRunRepository,
  REPOSITORY_METHODS,
  TENANT_SCOPED_METHODS,
  type TenantRuns,
  type TenantScopedMethod,
} from '../../src/query/agent-run-repository';
import { LazyRuns, type Runs } from '../../src/setup/lazy-runs';

/**
 * The public types of the query API, as they were written out before the method lists were derived: `telemetry.runs`
 * (Runs), AgentRunRepository and forTenant (TenantRuns). The type check of this file fails if any of them changes.
 */

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

type WrittenTenantScopedMethod =
  | 'history'
  | 'latest'
  | 'sessions'
  | 'getRun'
  | 'decisions'
  | 'recordOutcome'
  | 'stats'
  | 'topErrors'
  | 'costBreakdown'
  | 'decisionStats'
  | 'watch';
type WrittenRuns = Pick<
  AgentRunRepository,
  WrittenTenantScopedMethod | 'forTenant' | 'setModelPrice' | 'modelPrices' | 'repriceRuns'
>;
type WrittenTenantRuns = Pick<AgentRunRepository, WrittenTenantScopedMethod> & { readonly tenantId: string };

describe('public types of the query API', () => {
  it('are those written out before: TenantScopedMethod, TenantRuns, Runs', () => {
    assertType<Equal<TenantScopedMethod, WrittenTenantScopedMethod>>();
    assertType<Equal<TenantRuns, WrittenTenantRuns>>();
    assertType<Equal<Runs, WrittenRuns>>();
    assertType<Equal<keyof AgentRunRepository, keyof WrittenRuns>>();
    assertType<Equal<ReturnType<AgentRunRepository['forTenant']>, WrittenTenantRuns>>();
  });

  it('lists at run time exactly the methods the types name', () => {
    const prototypeMethods = Object.getOwnPropertyNames(AgentRunRepository.prototype).filter(
      (name) => name !== 'constructor',
    );
    expect([...REPOSITORY_METHODS].sort()).toEqual(prototypeMethods.sort());
    expect([...TENANT_SCOPED_METHODS].sort()).toEqual(
      [
        'history',
        'latest',
        'sessions',
        'getRun',
        'decisions',
        'recordOutcome',
        'stats',
        'topErrors',
        'costBreakdown',
        'decisionStats',
        'watch',
      ].sort(),
    );
  });

  it('gives telemetry.runs and its tenant view every method, before any database is opened', () => {
    const runs = new LazyRuns(() => Promise.reject(new Error('not opened')));
    for (const method of REPOSITORY_METHODS) expect([method, typeof runs[method]]).toEqual([method, 'function']);
    const view = runs.forTenant('acme');
    expect(view.tenantId).toBe('acme');
    for (const method of TENANT_SCOPED_METHODS) expect([method, typeof view[method]]).toEqual([method, 'function']);
  });

  it('gives a repository tenant view only its methods and its tenant id', () => {
    const view = new AgentRunRepository({} as DataSource).forTenant('acme');
    const own = Object.keys(view).filter(
      (key) => typeof (view as unknown as Record<string, unknown>)[key] === 'function',
    );
    expect(own.sort()).toEqual([...TENANT_SCOPED_METHODS].sort());
    expect(Object.getOwnPropertyNames(Object.getPrototypeOf(view))).toEqual(['constructor']);
    expect(view.tenantId).toBe('acme');
  });
});
