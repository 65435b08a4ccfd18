/**
 * Tenant ids are stored exactly or not at all: a cut, redacted or "made storable" id could make two tenants one.
 * The limit is the width of agent_executions.tenant_id (varchar(256), counted in characters, i.e. code points).
 */
export const MAX_TENANT_ID_LENGTH = 256;

/** Why a string cannot be stored as a tenant id exactly, or undefined when it can. */
export function tenantIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'is empty';
  if (id.length > MAX_TENANT_ID_LENGTH && codePointsOver(id, MAX_TENANT_ID_LENGTH)) {
    return `is longer than ${MAX_TENANT_ID_LENGTH} characters`;
  }
  // PostgreSQL text refuses NUL, and a lone surrogate would reach it as U+FFFD: neither is stored as given.
  if (id.includes('\u0000')) return 'contains a NUL character';
  if (!id.isWellFormed()) return 'contains a lone surrogate';
  return undefined;
}

/** Whether text has more than `max` code points; at most 2 × max units are looked at. */
function codePointsOver(text: string, max: number): boolean {
  if (text.length > 2 * max) return true;
  let count = 0;
  for (const _ of text) if (++count > max) return true;
  return false;
}

/**
 * The tenant_id column of a span: the id exactly, a finite number as its decimal text, else null. `refuse` is told
 * why a value was not kept (an empty string is simply no tenant).
 */
export function tenantIdColumn(value: unknown, refuse: (problem: string, value: unknown) => void): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') {
    refuse('is not a string', value);
    return null;
  }
  const problem = tenantIdProblem(value);
  if (problem === undefined) return value;
  refuse(`${problem}: tenant ids are stored exactly or not at all`, value);
  return null;
}
