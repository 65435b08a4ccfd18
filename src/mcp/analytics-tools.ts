import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { CostBreakdownOptions, StatsOptions } from '../query/analytics-types';
import { COST_GROUP_BY } from '../query/cost-breakdown-query';
import { STATS_GROUP_BY } from '../query/stats-options';
import { MAX_ERROR_GROUPS } from '../query/top-errors-query';
import { offsetOf, pageFrom } from './offset-cursor';
import { registerReadOnlyTool } from './read-only-tool';
import { limitValue } from './result-limits';
import { PREVIEW_LIMITS } from './run-presenters';
import { filtersOf, pageShape, runFilterShape } from './tool-arguments';
import type { ToolContext } from './tool-context';

/** The analytics tools: run_stats, cost_breakdown, top_errors. Groups come a page at a time. */

const GROUPS_PER_PAGE = 20;
const MAX_GROUPS_PER_PAGE = 100;
const ERROR_GROUPS_PER_PAGE = 10;
const MAX_ERROR_GROUPS_PER_PAGE = 50;
/** Business metrics and agents one group lists at most. */
const MAX_NAMES_PER_GROUP = 20;
const NAMES_LIMITS = { ...PREVIEW_LIMITS, maxItems: MAX_NAMES_PER_GROUP, maxLength: 3_000 };

/** `groupBy`: one of `fixed`, or `metadata.<key>` (the repository checks the key). */
function groupByArgument(fixed: readonly string[]) {
  const rule = `one of ${fixed.join(', ')}, or metadata.<key> (a top-level metadata key, e.g. metadata.repo)`;
  // The message on the pattern too: zod reports the failure of the union member closest to the value, a string.
  const error = `groupBy must be ${rule}`;
  return z
    .union([z.enum(fixed as [string, ...string[]]), z.string().regex(/^metadata\..+$/, { error })], { error })
    .describe(`how to group: ${rule}; hour and day are UTC buckets`);
}

/** The arguments a page's cursor is bound to: all but the page itself. */
function queryOf(tool: string, args: { cursor?: string; limit?: number }): unknown {
  const { cursor: _cursor, limit: _limit, ...query } = args;
  return [tool, query];
}

export function registerAnalyticsTools(server: McpServer, context: ToolContext): void {
  const pinned = context.tenant !== undefined;

  registerReadOnlyTool(server, {
    name: 'run_stats',
    title: 'Run statistics',
    description:
      'Per agent, model, user, tenant, status, hour, day, session or metadata key: how many runs, how many ' +
      'succeeded and failed, success rate, duration (avg, p50, p95, p99), tokens, cost and business metrics. ' +
      'Counts agent runs by default (kind llm or tool counts those calls; groupBy model needs kind llm). An ' +
      'agent run’s tokens and cost are its whole subtree’s: for cost per agent or model use cost_breakdown.',
    input: {
      groupBy: groupByArgument(STATS_GROUP_BY),
      kind: z
        .enum(['agent', 'llm', 'tool'])
        .describe('what to count: agent runs (default), llm or tool calls')
        .optional(),
      source: z
        .enum(['auto', 'raw', 'rollup'])
        .describe('raw rows (exact), hourly rollups (fast over long ranges, percentiles within 2.5 %), or auto')
        .optional(),
      ...runFilterShape(pinned),
      ...pageShape(MAX_GROUPS_PER_PAGE, GROUPS_PER_PAGE, 'groups'),
    },
    async run(args) {
      const query = queryOf('run_stats', args);
      const offset = offsetOf(args.cursor, query);
      return context.read(async (runs) => {
        const options = { ...filtersOf(args), groupBy: args.groupBy, kind: args.kind, source: args.source };
        const { groups, ...result } = await runs.stats(options as StatsOptions);
        const shown = groups.map((group) => ({ ...group, metrics: limitValue(group.metrics, NAMES_LIMITS) }));
        return { ...result, ...groupPage(shown, offset, args.limit, query) };
      });
    },
  });

  registerReadOnlyTool(server, {
    name: 'cost_breakdown',
    title: 'Cost breakdown',
    description:
      'Cost and tokens per agent, model, user, tenant, hour, day, session or metadata key, each token counted ' +
      'once however agents nest, with the total of the whole range. unknownCost counts calls that used tokens but ' +
      'have no price: when above 0, costUsd is a lower bound.',
    input: {
      groupBy: groupByArgument(COST_GROUP_BY),
      ...runFilterShape(pinned),
      ...pageShape(MAX_GROUPS_PER_PAGE, GROUPS_PER_PAGE, 'groups'),
    },
    async run(args) {
      const query = queryOf('cost_breakdown', args);
      const offset = offsetOf(args.cursor, query);
      return context.read(async (runs) => {
        const options = { ...filtersOf(args), groupBy: args.groupBy };
        const { groups, ...result } = await runs.costBreakdown(options as CostBreakdownOptions);
        return { ...result, ...groupPage(groups, offset, args.limit, query) };
      });
    },
  });

  registerReadOnlyTool(server, {
    name: 'top_errors',
    title: 'Top errors',
    description:
      'The most frequent failures, grouped by error type and message, most frequent first: how often, which ' +
      'agents, first and last seen, and the latest failing run (open it with get_run and latestTraceId). Failed ' +
      'agent runs by default; kind llm, tool or all for other steps.',
    input: {
      kind: z
        .enum(['agent', 'llm', 'tool', 'all'])
        .describe('which failed steps: agent runs (default), llm calls, tool calls, or all kinds')
        .optional(),
      ...runFilterShape(pinned),
      ...pageShape(MAX_ERROR_GROUPS_PER_PAGE, ERROR_GROUPS_PER_PAGE, 'error groups'),
    },
    async run(args) {
      const limit = args.limit ?? ERROR_GROUPS_PER_PAGE;
      const query = queryOf('top_errors', args);
      const offset = offsetOf(args.cursor, query);
      return context.read(async (runs) => {
        // One more than the page, to know whether another page follows (the repository keeps the top 100).
        const fetched = Math.min(MAX_ERROR_GROUPS, offset + limit + 1);
        const groups =
          offset >= MAX_ERROR_GROUPS
            ? []
            : await runs.topErrors({ ...filtersOf(args), kind: args.kind, limit: fetched });
        const shown = groups.map((group) => ({ ...group, agents: limitValue(group.agents, NAMES_LIMITS) }));
        const page = pageFrom(shown, offset, limit, query);
        return { errors: page.items, nextCursor: page.nextCursor };
      });
    },
  });
}

/** One page of a grouped result the server pages itself: its groups, how many there are in all, the next cursor. */
function groupPage<G>(groups: G[], offset: number, limit: number | undefined, query: unknown) {
  const page = pageFrom(groups, offset, limit ?? GROUPS_PER_PAGE, query);
  return { totalGroups: groups.length, groups: page.items, nextCursor: page.nextCursor };
}
