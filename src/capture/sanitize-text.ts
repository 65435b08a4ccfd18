const NUL = '\u0000';
const REPLACEMENT_CHARACTER = '\uFFFD';
const ELLIPSIS = '…';

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

/**
 * A string made storable (see sanitizeText) and at most `width` characters long: a longer one keeps its first
 * `width - 1` characters and ends with `…`, so a cut value never passes for a whole one. A surrogate pair is never
 * split by the cut.
 */
export function cutText(value: string, width: number): string {
  const text = sanitizeText(value);
  if (text.length <= width) return text;
  return `${text.slice(0, pairSafeEnd(text, width - 1))}${ELLIPSIS}`;
}

/** `end`, or one less when the character before it is the first half of a surrogate pair. */
export function pairSafeEnd(text: string, end: number): number {
  const code = text.charCodeAt(end - 1);
  return code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
}
