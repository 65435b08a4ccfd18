import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DataSource } from 'typeorm';
import type { TenantRuns } from '../../query/agent-run-repository';
import { AgentspanQueryError } from '../../query/agentspan-query-error';
import type { OutcomeFeedback } from '../../query/types';
import { currentWatchCursor } from '../../query/watch/watch-runs';
import { VERSION } from '../../version';
import { storeHealth } from './store-health';
import { HttpError, readJsonBody, sendError, sendJson } from './http-responses';
import type { LiveEvents } from './live-events';
import { optionsFrom } from './request-parameters';

/** The repository methods the API answers with (AgentRunRepository or a tenant's view of it). */
export type UiRuns = Pick<
  TenantRuns,
  | 'history'
  | 'getRun'
  | 'sessions'
  | 'stats'
  | 'costBreakdown'
  | 'topErrors'
  | 'decisions'
  | 'decisionStats'
  | 'recordOutcome'
  | 'watch'
>;

/** What the API reads: the runs and their database; with `tenant`, only that tenant's view of the runs. */
export interface UiData {
  readonly runs: UiRuns & { forTenant(tenantId: string): UiRuns };
  /** Their database, opened (in the application it may open after the dashboard starts). */
  readonly dataSource: () => Promise<DataSource>;
  /** The tenant every request is pinned to, if any. */
  readonly tenant: string | undefined;
  /** The in-process processor's health, when the dashboard is served from inside the application. */
  readonly processHealth?: () => unknown;
}

interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: RegExp;
  readonly handle: (match: RegExpExecArray, params: URLSearchParams, request: IncomingMessage) => Promise<unknown>;
}

/**
 * The JSON API of the dashboard (README, "Dashboard"): one route per repository method, its query string checked by
 * optionsFrom, its answer the method's result. Bad arguments answer 400 with the AgentspanQueryError's message.
 */
export function apiRoutes(
  data: UiData,
  live: LiveEvents,
): (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<void> {
  // Pinned here, once: every route and the live stream read through the tenant's view.
  const runs = data.tenant === undefined ? data.runs : data.runs.forTenant(data.tenant);
  const routes: Route[] = [
    {
      method: 'GET',
      path: /^\/api\/config$/,
      handle: async () => ({ version: VERSION, tenant: data.tenant ?? null, live: true }),
    },
    {
      method: 'GET',
      path: /^\/api\/runs$/,
      handle: async (_match, params) => {
        // Taken before the page is read: /api/live?after=<liveCursor> then misses no change in between.
        const liveCursor = await currentWatchCursor(await data.dataSource());
        return { ...(await runs.history(optionsFrom(params, ['limit', 'cursor']))), liveCursor };
      },
    },
    {
      method: 'GET',
      path: /^\/api\/runs\/([^/]+)$/,
      handle: async (match) => {
        const tree = await runs.getRun(decodeURIComponent(match[1]!));
        if (tree === null) throw new HttpError(404, 'not-found', `no run ${decodeURIComponent(match[1]!)}`);
        return tree;
      },
    },
    {
      method: 'GET',
      path: /^\/api\/sessions$/,
      handle: async (_m, params) => runs.sessions(optionsFrom(params, ['limit', 'cursor', 'runsPerSession'])),
    },
    {
      method: 'GET',
      path: /^\/api\/stats$/,
      handle: async (_m, params) => {
        const options = optionsFrom(params, ['groupBy', 'kind', 'source', 'rollupAfterHours']);
        return runs.stats({ groupBy: 'agent', ...options } as Parameters<UiRuns['stats']>[0]);
      },
    },
    {
      method: 'GET',
      path: /^\/api\/costs$/,
      handle: async (_m, params) =>
        runs.costBreakdown({ groupBy: 'agent', ...optionsFrom(params, ['groupBy']) } as Parameters<
          TenantRuns['costBreakdown']
        >[0]),
    },
    {
      method: 'GET',
      path: /^\/api\/errors$/,
      handle: async (_m, params) => runs.topErrors(optionsFrom(params, ['limit', 'kind'])),
    },
    {
      method: 'GET',
      path: /^\/api\/decisions$/,
      handle: async (_m, params) =>
        runs.decisions(optionsFrom(params, ['minConfidence', 'outcome', 'limit', 'cursor'])),
    },
    {
      method: 'GET',
      path: /^\/api\/decision-stats$/,
      handle: async (_m, params) => runs.decisionStats(optionsFrom(params, ['name'])),
    },
    {
      method: 'POST',
      path: /^\/api\/decisions\/([^/]+)\/outcome$/,
      handle: async (match, _params, request) => {
        const body = await readJsonBody(request);
        if (body === null || typeof body !== 'object' || Array.isArray(body)) {
          throw new HttpError(400, 'invalid-argument', 'the body must be an object: { "outcome": …, "score": … }');
        }
        return runs.recordOutcome(decodeURIComponent(match[1]!), body as OutcomeFeedback);
      },
    },
    {
      method: 'GET',
      path: /^\/api\/health$/,
      // The processor's counters are the whole application's: a dashboard pinned to a tenant leaves them out.
      handle: async () => ({
        ...(await storeHealth(data.dataSource, data.tenant)),
        process: data.tenant === undefined ? (data.processHealth?.() ?? null) : null,
      }),
    },
  ];

  return async (request, response, url) => {
    if (url.pathname === '/api/live') {
      if (request.method !== 'GET') throw new HttpError(405, 'bad_request', 'GET only');
      await live.stream(request, response, runs, optionsFrom(url.searchParams, ['after']));
      return;
    }
    const candidates = routes.filter((route) => route.path.test(url.pathname));
    if (candidates.length === 0) throw new HttpError(404, 'not-found', `no API at ${url.pathname}`);
    const route = candidates.find((candidate) => candidate.method === request.method);
    if (route === undefined) {
      response.setHeader('Allow', candidates.map((candidate) => candidate.method).join(', '));
      throw new HttpError(405, 'bad_request', `${request.method ?? ''} is not allowed here`);
    }
    sendJson(response, 200, await route.handle(route.path.exec(url.pathname)!, url.searchParams, request));
  };
}

/** An error of a request as its answer: HttpError and AgentspanQueryError as themselves, anything else a 500. */
export function answerFailure(response: ServerResponse, error: unknown): boolean {
  if (response.headersSent) return false;
  if (error instanceof HttpError) sendError(response, error.status, error.code, error.message);
  else if (error instanceof AgentspanQueryError) {
    sendError(response, error.code === 'not-found' ? 404 : 400, error.code, error.message);
  } else return false;
  return true;
}
