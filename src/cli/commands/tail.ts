import type { Command } from 'commander';
import type { ExecutionStatus } from '../../query/types';
import { currentWatchCursor } from '../../query/watch/watch-runs';
import type { CommandContext } from '../context/command-context';
import { withStore } from '../context/with-store';
import { addFilterFlags, filtersOf } from '../flags/filter-flags';
import { toNumber } from '../flags/number-argument';
import { runsFor } from '../flags/tenant-flag';
import { changeLine, lineCount, liveRows, LiveRunTable, redraw } from '../format/live-table';
import { textTable } from '../format/text-table';

const DEFAULT_LIMIT = 20;
/** How often a terminal's table is redrawn while nothing changes, so running runs' elapsed time moves. */
const TICK_MS = 1_000;

/** `agentspan tail`: `agentspan runs --follow` under a name of its own. */
export function addTailCommand(program: Command, context: CommandContext): void {
  addFilterFlags(program.command('tail'))
    .description('the runs table, kept up to date as runs start, take steps and end (Ctrl-C to stop)')
    .option('--limit <n>', 'how many runs the table shows (1–1000)', toNumber, DEFAULT_LIMIT)
    .action((flags: Record<string, unknown>) => followRuns(context, flags));
}

/**
 * The runs table, then every change as it commits until Ctrl-C (or the io's signal), which ends it with exit code 0:
 * on a terminal the table is redrawn in place (running runs' elapsed time, steps and cost so far); otherwise one line
 * per change (with --json, JSON lines: `{"runs": […]}` first, then each change). The watch starts from a cursor taken
 * before the table is read, so no change in between is missed. A --status filter keeps the runs that have that status
 * now.
 */
export async function followRuns(context: CommandContext, flags: Record<string, unknown>): Promise<void> {
  const { status, ...filters } = filtersOf(flags);
  const limit = (flags.limit as number | undefined) ?? DEFAULT_LIMIT;
  const { io } = context;
  const json = context.globals().json === true;
  await withStore(context, {}, async (store) => {
    const runs = runsFor(store, flags);
    const after = await currentWatchCursor(store.dataSource);
    const page = await runs.history({ ...filters, status, limit });
    const watch = runs.watch({ ...filters, after });
    const table = new LiveRunTable(limit, status === undefined ? undefined : new Set<ExecutionStatus>([status].flat()));
    table.seed(page.runs);
    let drawn = 0;
    const draw = () => {
      const text = textTable(liveRows(table.runs(), new Date()), '(no runs yet)');
      io.stdout(redraw(drawn, text));
      drawn = lineCount(text);
    };
    const stop = () => void watch.close();
    const ticker = io.isTTY && !json ? setInterval(draw, TICK_MS) : undefined;
    if (io.signal !== undefined) io.signal.addEventListener('abort', stop, { once: true });
    else process.once('SIGINT', stop);
    try {
      if (io.signal?.aborted) return;
      if (json) io.stdout(`${JSON.stringify({ runs: table.runs() })}\n`);
      else draw();
      for await (const change of watch) {
        table.apply(change);
        if (json) io.stdout(`${JSON.stringify(change)}\n`);
        else if (ticker !== undefined) draw();
        else io.stdout(changeLine(change, new Date()));
      }
    } finally {
      clearInterval(ticker);
      io.signal?.removeEventListener('abort', stop);
      process.removeListener('SIGINT', stop);
      await watch.close();
    }
  });
}
