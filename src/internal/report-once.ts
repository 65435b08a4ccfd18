import { diag } from '@opentelemetry/api';

// Bounded so a stream of distinct keys cannot grow memory without limit.
const MAX_KEYS = 1_000;
const reported = new Set<string>();

/**
 * Reports a problem through `diag` the first time it is seen, so a hot loop with bad data warns once instead of
 * flooding the log. The key names the kind of problem, not the value that caused it.
 */
export function reportOnce(key: string, message: string, level: 'warn' | 'error' = 'warn'): void {
  if (reported.has(key)) return;
  if (reported.size < MAX_KEYS) reported.add(key);
  try {
    diag[level](`agentspan: ${message}`);
  } catch {
    // A user diag logger that throws must not reach the caller.
  }
}

/** For tests: forget what was reported. */
export function resetReportedProblems(): void {
  reported.clear();
}
