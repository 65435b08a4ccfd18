import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { MAX_PAGE_LENGTH, pageWithin } from './bounded-page';
import { offsetCursor, offsetOf } from './offset-cursor';
import { registerReadOnlyTool } from './read-only-tool';
import { countWithin } from './result-limits';
import { runOf, sessionOf } from './run-presenters';
import { flattenRun, stepOf } from './run-steps';
import { filtersOf, pageShape, runFilterShape } from './tool-arguments';
import type { ToolContext } from './tool-context';
import { ToolArgumentError } from './tool-errors';

/** The tools that list and open runs: list_runs, get_run, list_sessions. */

const RUNS_PER_PAGE = 10;
const MAX_RUNS_PER_PAGE = 50;
const STEPS_PER_PAGE = 50;
const MAX_STEPS_PER_PAGE = 200;
const SESSIONS_PER_PAGE = 5;
const MAX_SESSIONS_PER_PAGE = 20;
const RUNS_PER_SESSION = 3;
const MAX_RUNS_PER_SESSION = 10;
/** Characters kept of each input, output and text of a step, unless the call asks for more or less. */
const STEP_STRING_LENGTH = 500;
const MIN_STEP_STRING_LENGTH = 100;
const MAX_STEP_STRING_LENGTH = 20_000;

export function registerRunTools(server: McpServer, context: ToolContext): void {
  const pinned = context.tenant !== undefined;

  registerReadOnlyTool(server, {
    name: 'list_runs',
    title: 'Recent agent runs',
    description:
      'Agent runs recorded by agentspan, newest first: agent, status, start, duration, error, tokens and cost ' +
      '(totals of the whole run), user, session, metadata, and the start of the input and output. Filter by agent, ' +
      'status, user, session, metadata, time range and error text. Pass nextCursor as cursor for older runs. Open ' +
      'one with get_run and its traceId.',
    input: { ...runFilterShape(pinned), ...pageShape(MAX_RUNS_PER_PAGE, RUNS_PER_PAGE, 'runs') },
    async run(args) {
      return context.read(async (runs) => {
        const page = await pageWithin(args.limit ?? RUNS_PER_PAGE, async (limit) => {
          const { runs: found, nextCursor } = await runs.history({ ...filtersOf(args), limit, cursor: args.cursor });
          return { items: found.map(runOf), nextCursor };
        });
        return { runs: page.items, nextCursor: page.nextCursor };
      });
    },
  });

  registerReadOnlyTool(server, {
    name: 'get_run',
    title: 'One run, step by step',
    description:
      'One run as its steps, depth first (each step after its parent; depth 0 is the run itself): agent, task, ' +
      'tool, LLM and decision steps with status, duration, input, output, error, model, tokens, cost, decisions ' +
      'and logged events. id: a trace id (32 hex, from list_runs) or an execution id (uuid: that step and ' +
      'everything below it). Long runs come a page at a time (nextCursor); long values are cut with a marker ' +
      '"…[cut N chars]": ask again with a larger maxStringLength, or the step’s executionId, to see more.',
    input: {
      id: z.string().min(1).describe('a trace id (32 hex characters) or an execution id (uuid)'),
      ...pageShape(MAX_STEPS_PER_PAGE, STEPS_PER_PAGE, 'steps'),
      maxStringLength: z
        .number()
        .int()
        .min(MIN_STEP_STRING_LENGTH)
        .max(MAX_STEP_STRING_LENGTH)
        .describe(
          `characters kept of each input, output and text (${MIN_STEP_STRING_LENGTH}–${MAX_STEP_STRING_LENGTH}, ` +
            `default ${STEP_STRING_LENGTH})`,
        )
        .optional(),
    },
    answerStringLength: (args) => args.maxStringLength ?? STEP_STRING_LENGTH,
    async run(args) {
      const query = ['get_run', args.id.toLowerCase()];
      const offset = offsetOf(args.cursor, query);
      return context.read(async (runs) => {
        const tree = await runs.getRun(args.id);
        // Another tenant's run is not found either: a pinned server does not say whether it exists.
        if (tree === null) throw new ToolArgumentError(`no run with id ${args.id}`);
        const placed = flattenRun(tree);
        const maxStringLength = args.maxStringLength ?? STEP_STRING_LENGTH;
        const limits = { maxStringLength, maxItems: 50, maxDepth: 8, maxLength: maxStringLength };
        const candidates = placed
          .slice(offset, offset + (args.limit ?? STEPS_PER_PAGE))
          .map((entry) => stepOf(entry, limits));
        const steps = candidates.slice(0, countWithin(candidates, MAX_PAGE_LENGTH));
        const next = offset + steps.length;
        return {
          traceId: tree.traceId,
          totalSteps: placed.length,
          firstStep: offset,
          steps,
          nextCursor: next < placed.length ? offsetCursor(query, next) : null,
        };
      });
    },
  });

  registerReadOnlyTool(server, {
    name: 'list_sessions',
    title: 'Sessions',
    description:
      'Sessions (the runs sharing a withAgentContext sessionId), newest first: runs by status, duration, tokens, ' +
      'cost, the agents involved and the newest runs of each. A session is listed when one of its runs matches the ' +
      'filters. Pass nextCursor as cursor for older sessions.',
    input: {
      ...runFilterShape(pinned),
      ...pageShape(MAX_SESSIONS_PER_PAGE, SESSIONS_PER_PAGE, 'sessions'),
      runsPerSession: z
        .number()
        .int()
        .min(0)
        .max(MAX_RUNS_PER_SESSION)
        .describe(`newest runs listed per session (0–${MAX_RUNS_PER_SESSION}, default ${RUNS_PER_SESSION})`)
        .optional(),
    },
    async run(args) {
      return context.read(async (runs) => {
        const page = await pageWithin(args.limit ?? SESSIONS_PER_PAGE, async (limit) => {
          const runsPerSession = args.runsPerSession ?? RUNS_PER_SESSION;
          const found = await runs.sessions({ ...filtersOf(args), limit, cursor: args.cursor, runsPerSession });
          return { items: found.sessions.map(sessionOf), nextCursor: found.nextCursor };
        });
        return { sessions: page.items, nextCursor: page.nextCursor };
      });
    },
  });
}
