import type { Jitter } from './types';

export interface BackoffPolicy {
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly multiplier: number;
  readonly jitter: Jitter;
}

/**
 * Delay before retry number `retry` (1 for the first retry): exponential growth from `initialBackoffMs`, capped at
 * `maxBackoffMs`, with full jitter (uniform in [0, ceiling)) so a fleet of processes hitting the same outage spreads
 * its retries instead of arriving in waves. `random` is injectable so the function stays pure for tests.
 */
export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = backoffCeilingMs(retry, policy);
  if (policy.jitter === 'none') return ceiling;
  const draw = random();
  // A misbehaving random source must not produce a negative or NaN delay.
  const fraction = draw >= 0 && draw < 1 ? draw : 0;
  return fraction * ceiling;
}

/** The un-jittered delay for retry number `retry`; exposed for tests and for reporting. */
export function backoffCeilingMs(retry: number, policy: BackoffPolicy): number {
  if (policy.initialBackoffMs === 0) return 0;
  const exponent = Math.max(0, Math.floor(retry) - 1);
  // multiplier ** exponent overflows to Infinity for long outages; Math.min folds that back to the cap.
  return Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** exponent);
}
