const NUL = '\u0000';
const REPLACEMENT_CHARACTER = '\uFFFD';

/**
 * Makes a string storable in PostgreSQL text and jsonb: NUL characters and lone UTF-16 surrogates (both rejected by
 * PostgreSQL, and the second by many collectors) become U+FFFD. Returns the same string when nothing needs fixing.
 */
export function sanitizeText(value: string): string {
  let text = value;
  if (text.includes(NUL)) text = text.replaceAll(NUL, REPLACEMENT_CHARACTER);
  if (!text.isWellFormed()) text = text.toWellFormed();
  return text;
}
