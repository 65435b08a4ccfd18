/** `Name: message` of an error, or its text; never throws (a getter on a hostile error object may). */
export function describeError(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return 'an error that cannot be described';
  }
}
