import { Command } from 'commander';
import { addCollectCommand } from './commands/collect';
import { addCostsCommand } from './commands/costs';
import { addDecisionsCommand } from './commands/decisions';
import { addErrorsCommand } from './commands/errors';
import { addHealthCommand } from './commands/health';
import { addMcpCommand } from './commands/mcp';
import { addMigrateCommand } from './commands/migrate';
import { addPruneCommand } from './commands/prune';
import { addRollupCommand } from './commands/rollup';
import { addRunsCommand } from './commands/runs';
import { addSessionsCommand } from './commands/sessions';
import { addShowCommand } from './commands/show';
import { addStatsCommand } from './commands/stats';
import { addTailCommand } from './commands/tail';
import { addUiCommand } from './commands/ui';
import type { CliIo } from './context/cli-io';
import type { CommandContext, GlobalFlags } from './context/command-context';
import { addGlobalFlags } from './flags/global-flags';

/** The commands, in the order `agentspan --help` lists them. Each adds itself, its options and its action. */
const COMMANDS: ReadonlyArray<(program: Command, context: CommandContext) => void> = [
  addMigrateCommand,
  addRunsCommand,
  addTailCommand,
  addSessionsCommand,
  addShowCommand,
  addDecisionsCommand,
  addPruneCommand,
  addStatsCommand,
  addErrorsCommand,
  addCostsCommand,
  addRollupCommand,
  addHealthCommand,
  addUiCommand,
  addMcpCommand,
  addCollectCommand,
];

/**
 * The agentspan command: the global flags and every command. It never exits the process: errors (usage ones
 * included, once commander has printed them) are thrown for runCli to turn into an exit code.
 */
export function buildProgram(io: CliIo): Command {
  const program = addGlobalFlags(
    new Command('agentspan').description('Query the agent runs agentspan persisted in PostgreSQL.'),
  )
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) })
    .showHelpAfterError('(run agentspan --help for usage)');
  const context: CommandContext = { io, globals: () => program.opts<GlobalFlags>() };
  for (const addCommand of COMMANDS) addCommand(program, context);
  return program;
}
