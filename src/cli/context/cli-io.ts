/** Where the command line writes and what it reads from its environment: the process's, or a test's. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** DATABASE_URL is read here; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Whether stdout is a terminal: `--follow` then redraws its table in place. Default false. */
  isTTY?: boolean;
  /** Ends a command that runs until stopped (`tail`, `runs --follow`); without it, SIGINT (Ctrl-C) does. */
  signal?: AbortSignal;
}
