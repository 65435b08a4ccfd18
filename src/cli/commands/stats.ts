import { Option, type Command } from 'commander';
import type { StatsGroupBy, StatsKind, StatsSource } from '../../query/analytics-types';
import type { CommandContext } from '../context/command-context';
import { printResult } from '../context/print-result';
import { withStore } from '../context/with-store';
import { STATS_GROUP_BY } from '../../query/stats-options';
import { addFilterFlags, filtersOf } from '../flags/filter-flags';
import { groupByOption } from '../flags/group-by-flag';
import { runsFor } from '../flags/tenant-flag';
import { metricRows, statsFooter, statsRows } from '../format/analytics-format';
import { textTable } from '../format/text-table';

/** `agentspan stats`: counts, success rate, percentiles, tokens and cost per group, then the business metrics. */
export function addStatsCommand(program: Command, context: CommandContext): void {
  addFilterFlags(program.command('stats'))
    .description(
      'runs per agent, model, user, tenant, status, hour, day, session or metadata key: counts, success rate, ' +
        'p50/p95/p99, tokens, cost',
    )
    .addOption(groupByOption(STATS_GROUP_BY))
    .addOption(
      new Option(
        '--kind <kind>',
        'agent runs, LLM calls or tool calls (default: agent; llm for --group-by model)',
      ).choices(['agent', 'llm', 'tool']),
    )
    .addOption(
      new Option('--source <source>', 'raw rows, hourly rollups, or auto (rollups for long ranges)')
        .choices(['auto', 'raw', 'rollup'])
        .default('auto'),
    )
    .action(async (flags: Record<string, unknown>) => {
      await withStore(context, {}, async (store) => {
        const result = await runsFor(store, flags).stats({
          groupBy: flags.groupBy as StatsGroupBy,
          kind: flags.kind as StatsKind | undefined,
          source: flags.source as StatsSource,
          ...filtersOf(flags),
        });
        printResult(context, result, () => {
          const metrics = metricRows(result);
          return (
            textTable(statsRows(result), '(no runs)') +
            (metrics.length === 0 ? '' : `\n${textTable(metrics, '')}`) +
            statsFooter(result)
          );
        });
      });
    });
}
