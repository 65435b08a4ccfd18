import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { pageWithin } from './bounded-page';
import { registerReadOnlyTool } from './read-only-tool';
import { limitValue } from './result-limits';
import { decisionOf, PREVIEW_LIMITS } from './run-presenters';
import { contextFilterShape, filtersOf, pageShape, runFilterShape } from './tool-arguments';
import type { ToolContext } from './tool-context';

/** The decision tools: list_decisions, decision_stats. Read-only: recording an outcome is not offered here. */

const DECISIONS_PER_PAGE = 10;
const MAX_DECISIONS_PER_PAGE = 50;
/** Outcomes decision_stats lists at most, most frequent first. */
const MAX_OUTCOMES = 20;

export function registerDecisionTools(server: McpServer, context: ToolContext): void {
  const pinned = context.tenant !== undefined;

  registerReadOnlyTool(server, {
    name: 'list_decisions',
    title: 'Decisions',
    description:
      'Decisions agents recorded (@Decision, recordDecision), newest first: the decision point, the choice, the ' +
      'alternatives, the reasoning, the confidence (0–1), and the outcome recorded later, if any. Filter by agent, ' +
      'minimum confidence, outcome, time, and what the run was about. Pass nextCursor as cursor for older ones.',
    input: {
      ...contextFilterShape(pinned),
      minConfidence: z.number().min(0).max(1).describe('only decisions with at least this confidence (0–1)').optional(),
      outcome: z
        .union([z.string(), z.number(), z.boolean()])
        .describe('"pending" (no outcome yet), "recorded" (any outcome), or an outcome value to match exactly')
        .optional(),
      ...pageShape(MAX_DECISIONS_PER_PAGE, DECISIONS_PER_PAGE, 'decisions'),
    },
    async run(args) {
      return context.read(async (runs) => {
        const page = await pageWithin(args.limit ?? DECISIONS_PER_PAGE, async (limit) => {
          const { minConfidence, outcome, cursor } = args;
          const found = await runs.decisions({ ...filtersOf(args), minConfidence, outcome, limit, cursor });
          return { items: found.decisions.map(decisionOf), nextCursor: found.nextCursor };
        });
        return { decisions: page.items, nextCursor: page.nextCursor };
      });
    },
  });

  registerReadOnlyTool(server, {
    name: 'decision_stats',
    title: 'Decision statistics',
    description:
      'How decisions turned out: how many are pending or have an outcome, counts and average confidence and score ' +
      'per outcome, and calibration (confidence against outcome score in ten buckets, and the calibration error). ' +
      'name: one decision point only.',
    input: {
      name: z.string().min(1).describe('only this decision point, by its exact name').optional(),
      ...runFilterShape(pinned),
    },
    async run(args) {
      return context.read(async (runs) => {
        const { byOutcome, ...stats } = await runs.decisionStats({ ...filtersOf(args), name: args.name });
        return {
          ...stats,
          byOutcome: byOutcome
            .slice(0, MAX_OUTCOMES)
            .map((outcome) => ({ ...outcome, outcome: limitValue(outcome.outcome, PREVIEW_LIMITS) })),
          moreOutcomes: Math.max(0, byOutcome.length - MAX_OUTCOMES),
        };
      });
    },
  });
}
