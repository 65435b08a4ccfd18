import type { CommandContext } from './command-context';

/** A command's result on stdout: as JSON with --json (for scripts), else as the text `asText` makes of it. */
export function printResult(context: CommandContext, value: unknown, asText: () => string): void {
  context.io.stdout(context.globals().json ? `${JSON.stringify(value, null, 2)}\n` : asText());
}
