import { maskUrlsIn } from '../capture/mask-url';

/** The kinds of failure agentspan prints a warning for, as the warning's `code`. */
export type WarningCode =
  | 'AGENTSPAN_DATABASE_UNAVAILABLE'
  | 'AGENTSPAN_WRITE_FAILED'
  | 'AGENTSPAN_RECORDS_DROPPED'
  | 'AGENTSPAN_COLLECTOR_UNAVAILABLE'
  | 'AGENTSPAN_UI_UNAVAILABLE';

// Once per process: a restarted telemetry, or a second processor, does not repeat what was already shown.
const warned = new Set<string>();

/**
 * Prints the first failure of a kind once, as a process warning (`AgentspanWarning` with its code), credentials
 * masked. diag logs every failure, but an application without a diag logger would otherwise see nothing while its
 * runs are not stored. A process warning goes to stderr unless node runs with --no-warnings, and an application can
 * route it to its own logger with `process.on('warning')`; library code never writes to the console. `key` tells
 * apart failures of one code (a drop reason); it defaults to the code. A function `message` is only called to print
 * (drops happen on the application's path). Never throws.
 */
export function warnOnce(
  enabled: boolean,
  code: WarningCode,
  message: string | (() => string),
  key: string = code,
): void {
  if (!enabled || warned.has(key)) return;
  warned.add(key);
  try {
    const text = typeof message === 'string' ? message : message();
    process.emitWarning(`${maskUrlsIn(text)} (agentspan warns once; diag logs every failure)`, {
      type: 'AgentspanWarning',
      code,
    });
  } catch {
    // Warning is a courtesy: nothing it does may reach the application.
  }
}

/** Why something failed, for a warning's text: the error's message without our `agentspan: ` prefix. Never throws. */
export function reasonOf(error: unknown): string {
  try {
    const text = error instanceof Error ? error.message : String(error);
    return text.startsWith('agentspan: ') ? text.slice('agentspan: '.length) : text;
  } catch {
    return 'an error that cannot be described';
  }
}

/** For tests: forget which warnings were printed. */
export function resetWarnings(): void {
  warned.clear();
}
