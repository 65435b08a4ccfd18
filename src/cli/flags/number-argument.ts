/** A number option's value as a number, for commander to parse. */
export function toNumber(value: string): number {
  // The repository checks the range and says what is wrong; a word becomes NaN, which it refuses too.
  return value.trim() === '' ? Number.NaN : Number(value);
}
