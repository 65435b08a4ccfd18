import type { CliIo } from './cli-io';

/** The options of the agentspan command itself, before the command name: where the data is and how to print. */
export interface GlobalFlags {
  database?: string;
  dataDir?: string;
  json?: boolean;
}

/** What every command's action runs with. */
export interface CommandContext {
  readonly io: CliIo;
  /** The global flags as parsed; read them in an action, once the whole command line has been parsed. */
  globals(): GlobalFlags;
}
