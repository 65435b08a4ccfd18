/** How capture marks a string it cut: `…[truncated, n chars]`, n the length before the cut. */
const CUT_MARKER = /…\[truncated, \d+ chars\]$/;
// `…[truncated, ` + the digits of a string length (at most 10) + ` chars]`.
const LONGEST_MARKER = 32;

/**
 * True for a string capture has cut already (it ends with the marker and is no longer than the limit plus it):
 * values are captured when recorded and their text again when mapped, and cutting twice would stack markers.
 */
export function isCutAlready(text: string, maxStringLength: number): boolean {
  if (text.length > maxStringLength + LONGEST_MARKER) return false;
  const tail = text.slice(-LONGEST_MARKER);
  const marker = CUT_MARKER.exec(tail);
  return marker !== null && text.length - tail.length + marker.index <= maxStringLength;
}
