import { CommanderError } from 'commander';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './context/cli-error';
import type { CliIo } from './context/cli-io';
import { withoutPrefix } from './context/failure-text';
import { buildProgram } from './program';

/**
 * Runs the agentspan command line (arguments without `node` and the script) and returns its exit code: 0 done,
 * 1 not found or unexpected failure, 2 a bad argument, 3 the database unreachable or without tables. Everything it
 * prints goes through `io`, and nothing calls process.exit, so tests run it in process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with code 0; usage errors were already printed by commander.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof CliError) {
      io.stderr(`agentspan: ${withoutPrefix(error.message)}\n`);
      return error.exitCode;
    }
    // Our own errors already start with `agentspan: `; the line says it once.
    io.stderr(`agentspan: ${withoutPrefix(error instanceof Error ? error.message : String(error))}\n`);
    return EXIT_FAILURE;
  }
}
