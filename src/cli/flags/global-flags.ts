import type { Command } from 'commander';

/**
 * The options every command shares, given before or after the command name: where the data is (--database, else
 * DATABASE_URL, else the embedded database in --data-dir) and --json. Read back as GlobalFlags.
 */
export function addGlobalFlags(program: Command): Command {
  return program
    .option('--database <url>', 'PostgreSQL URL (default: DATABASE_URL, else the embedded database)')
    .option('--data-dir <dir>', 'directory of the embedded database', './.agentspan/pgdata')
    .option('--json', 'print JSON instead of tables');
}
