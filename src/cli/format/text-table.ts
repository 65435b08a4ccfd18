/** Rows as aligned text columns, headed and underlined; "(none)" style message when there are no rows. */
export function textTable(rows: ReadonlyArray<Record<string, string>>, empty: string): string {
  if (rows.length === 0) return `${empty}\n`;
  const columns = Object.keys(rows[0]!);
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: (column: string) => string) =>
    columns
      .map((column, i) => cells(column).padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line((column) => column),
    widths.map((width) => '─'.repeat(width)).join('  '),
    ...rows.map((row) => line((column) => row[column] ?? '')),
  ]
    .map((text) => `${text}\n`)
    .join('');
}

/** Text on one line (runs of whitespace as one space), cut to `max` characters with a `…`. */
export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
