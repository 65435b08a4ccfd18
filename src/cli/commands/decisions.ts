import { Option, type Command } from 'commander';
import type { DecisionQueryOptions } from '../../query/types';
import type { CommandContext } from '../context/command-context';
import { printResult } from '../context/print-result';
import { withStore } from '../context/with-store';
import { RUN_FILTER_FLAGS } from '../flags/filter-flags';
import { argumentsOf, nextPageLine, type FlagSpec } from '../flags/next-page';
import { toNumber } from '../flags/number-argument';
import { addRunFilterFlags, runFiltersOf } from '../flags/run-filter-flags';
import { addTenantFlag, runsFor } from '../flags/tenant-flag';
import { toSince } from '../flags/time-arguments';
import { decisionRows } from '../format/run-format';
import { textTable } from '../format/text-table';

const DEFAULT_LIMIT = 20;

/** The flags that choose decisions, for the next-page hint. */
const DECISION_FLAGS: readonly FlagSpec[] = [
  ['agent', '--agent'],
  ['tenant', '--tenant'],
  ['minConfidence', '--min-confidence'],
  ['outcome', '--outcome'],
  ['since', '--since'],
  ['until', '--until'],
  ...RUN_FILTER_FLAGS,
];

/** `agentspan decisions`: decisions, newest first, with confidence and outcome, and the command for the next page. */
export function addDecisionsCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('decisions')
    .description('decisions, newest first')
    .option('--agent <name>', 'only this agent');
  addTenantFlag(command, 'only decisions of this tenant')
    .option('--min-confidence <x>', 'only decisions at least this confident (0–1)', toNumber)
    .addOption(
      new Option('--outcome <which>', 'only decisions with or without a recorded outcome').choices([
        'pending',
        'recorded',
      ]),
    )
    .option('--since <time>', 'occurred at or after (ISO 8601), or an age: 24h, 7d', toSince)
    .option('--until <time>', 'occurred before (ISO 8601)');
  addRunFilterFlags(command)
    .option('--limit <n>', 'how many (1–1000)', toNumber, DEFAULT_LIMIT)
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (flags: Record<string, unknown>) => {
      const options: DecisionQueryOptions = {
        agent: flags.agent as string | undefined,
        minConfidence: flags.minConfidence as number | undefined,
        outcome: flags.outcome as DecisionQueryOptions['outcome'],
        since: flags.since as string | undefined,
        until: flags.until as string | undefined,
        ...runFiltersOf(flags),
        limit: flags.limit as number,
        cursor: flags.cursor as string | undefined,
      };
      await withStore(context, {}, async (store) => {
        const page = await runsFor(store, flags).decisions(options);
        printResult(context, page, () => {
          const limit = flags.limit === DEFAULT_LIMIT ? [] : ['--limit', String(flags.limit)];
          const args = [...argumentsOf(flags, DECISION_FLAGS), ...limit];
          return (
            textTable(decisionRows(page.decisions), '(no decisions)') + nextPageLine('decisions', args, page.nextCursor)
          );
        });
      });
    });
}
