// What a span records of a thrown value, which can be anything (a string, a hostile object): never throws.

/** The message of a thrown value. */
export function errorMessage(error: unknown): string {
  try {
    if (error instanceof Error) return error.message;
    if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
      return (error as { message: string }).message;
    }
    return String(error);
  } catch {
    return '[unprintable error]';
  }
}

/** The error's class name, low-cardinality as OTel asks; `_OTHER` when there is no class to name. */
export function errorType(error: unknown): string {
  try {
    if (typeof error === 'object' && error !== null) {
      const name = (error as { constructor?: { name?: unknown } }).constructor?.name;
      if (typeof name === 'string' && name.length > 0 && name !== 'Object') return name;
      const ownName = (error as { name?: unknown }).name;
      if (typeof ownName === 'string' && ownName.length > 0) return ownName;
    }
  } catch {
    // fall through
  }
  return '_OTHER';
}
