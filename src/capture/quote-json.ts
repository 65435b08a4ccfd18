// A string with none of these can be quoted as it is: nothing to escape, nothing for PostgreSQL to reject.
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON must escape
export const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Past this length a string is tested one character at a time (see needsEscaping); below, one regex test is less. */
const LONG_TEXT = 256;
const CONTROL_CHARACTERS = Array.from({ length: 32 }, (_, code) => String.fromCharCode(code));
/** Those JSON escapes, the commonest first. */
const ESCAPED = ['"', '\\', '\n', '\r', '\t', ...CONTROL_CHARACTERS.filter((c) => !'\n\r\t'.includes(c))];

/**
 * The JSON text of a string, as JSON.stringify writes it: quoted as it is when nothing in it needs escaping, which
 * is most text, else by JSON.stringify (1.3 ns a character).
 */
export function quoteJson(text: string): string {
  const escape = text.length > LONG_TEXT ? !text.isWellFormed() || needsEscaping(text) : NEEDS_ESCAPING.test(text);
  return escape ? JSON.stringify(text) : `"${text}"`;
}

/**
 * NEEDS_ESCAPING for a long string, as one search per character: V8 finds one character in Latin-1 text with a
 * memchr-like scan, and the 34 searches take a third of the regex engine's walk (2 against 6 µs for 8 KB; in
 * two-byte text 8 against 6).
 */
function needsEscaping(text: string): boolean {
  for (const character of ESCAPED) if (text.includes(character)) return true;
  return false;
}
