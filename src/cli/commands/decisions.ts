import { Option, type Command } from 'commander';
import type { DecisionQueryOptions } from '../../query/types';
import type { CommandContext } from '../context/command-context';
import { printResult } from '../context/print-result';
import { withStore } from '../context/with-store';
import { toNumber } from '../flags/number-argument';
import { addTenantFlag, runsFor } from '../flags/tenant-flag';
import { decisionRows } from '../format/run-format';
import { textTable } from '../format/text-table';

/** `agentspan decisions`: decisions, newest first, with confidence and outcome. */
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
    .option('--since <time>', 'occurred at or after (ISO 8601)')
    .option('--limit <n>', 'how many (1–1000)', toNumber, 20)
    .action(async (flags: Record<string, unknown>) => {
      const options: DecisionQueryOptions = {
        agent: flags.agent as string | undefined,
        minConfidence: flags.minConfidence as number | undefined,
        outcome: flags.outcome as DecisionQueryOptions['outcome'],
        since: flags.since as string | undefined,
        limit: flags.limit as number,
      };
      await withStore(context, {}, async (store) => {
        const page = await runsFor(store, flags).decisions(options);
        printResult(context, page, () => textTable(decisionRows(page.decisions), '(no decisions)'));
      });
    });
}
