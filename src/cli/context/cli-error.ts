/** Exit codes of the agentspan command. */
export const EXIT_OK = 0;
/** Something unexpected failed. */
export const EXIT_FAILURE = 1;
/** The command line was wrong: an unknown command or option, a bad value. */
export const EXIT_USAGE = 2;
/** The database could not be reached or has no agentspan tables. */
export const EXIT_DATABASE = 3;

/** A failure the command reports as one line on stderr, with its exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
