/** Where the command line writes and what it reads from its environment: the process's, or a test's. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** DATABASE_URL is read here; default process.env. */
  env?: NodeJS.ProcessEnv;
}
