/**
 * The command that prints the next page: the same command with every filter it was given (as parsed: a `--since 24h`
 * becomes the instant it meant, so page two covers the same range) and the cursor. Global flags are left out: a
 * --database URL may hold a password.
 */

/** A flag of a command and the property commander parses it into. */
export type FlagSpec = readonly [property: string, flag: string];

/** The arguments that give a command these flags again; a repeatable flag (an array) once per value. */
export function argumentsOf(flags: Record<string, unknown>, specs: readonly FlagSpec[]): string[] {
  return specs.flatMap(([property, flag]) => {
    const value = flags[property];
    if (value === undefined || value === null || value === false) return [];
    const values = Array.isArray(value) ? value : [value];
    return values.flatMap((each: unknown) => [flag, String(each)]);
  });
}

/** `more: agentspan <command> <arguments> --cursor <cursor>`, one line with its newline; '' on the last page. */
export function nextPageLine(command: string, args: readonly string[], cursor: string | null): string {
  if (cursor === null) return '';
  return `\nmore: agentspan ${[command, ...args, '--cursor', cursor].map(shellWord).join(' ')}\n`;
}

/** A word a POSIX shell reads back unchanged: as it is when it holds only safe characters, else in single quotes. */
export function shellWord(text: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
