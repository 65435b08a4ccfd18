export type BreakerState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive transient write failures that open the breaker. Default 5. */
  failureThreshold?: number;
  /** Cool-down before the first probe once the breaker opens; doubled after each failed probe. Default 1_000. */
  cooldownMs?: number;
  /** Longest cool-down, so a database that returns is noticed within this long. Default 10_000. */
  maxCooldownMs?: number;
}

export interface ResolvedBreakerOptions {
  readonly failureThreshold: number;
  readonly cooldownMs: number;
  readonly maxCooldownMs: number;
}

/** What a writer may do now: write (`probe` when it is the single attempt of a half-open breaker), or wait. */
export type BreakerPermit =
  | { readonly allowed: true; readonly probe: boolean }
  | {
      readonly allowed: false;
      /** When asking again makes sense; a state change may come sooner. */
      readonly retryInMs: number;
    };

export interface BreakerSnapshot {
  readonly state: BreakerState;
  readonly consecutiveFailures: number;
  /** How many times the breaker has opened since it was created. */
  readonly opened: number;
  /** Epoch ms of the next probe while open; null otherwise. */
  readonly nextProbeAt: number | null;
}

export interface BreakerClock {
  now(): number;
  random(): number;
}

const SYSTEM_CLOCK: BreakerClock = { now: () => Date.now(), random: () => Math.random() };
const GO: BreakerPermit = Object.freeze({ allowed: true, probe: false });
const PROBE: BreakerPermit = Object.freeze({ allowed: true, probe: true });

/** Asks `breaker` for a permit; without a breaker every write may go. */
export function requestPermit(breaker: CircuitBreaker | undefined): BreakerPermit {
  return breaker === undefined ? GO : breaker.request();
}

/**
 * Stops every writer from hammering a database that is down. Closed: writes go through, and `failureThreshold`
 * consecutive transient failures open it. Open: no write is attempted until the cool-down has passed; then exactly one
 * caller gets a probe (half-open) and everyone else keeps waiting. The probe's success closes the breaker and normal
 * flow resumes; its failure opens it again with a doubled cool-down (up to `maxCooldownMs`). Each cool-down is drawn
 * uniformly from [ceiling / 2, ceiling], so a fleet of processes does not probe a recovering database in lockstep.
 *
 * Shared by everything that writes to the same database (the pipeline's batches and the spill's replay), so their
 * failures add up and a recovering database sees one probe, not one per writer.
 */
export class CircuitBreaker {
  private currentState: BreakerState = 'closed';
  private failures = 0;
  private openedCount = 0;
  /** Failed probes since the breaker last closed: the exponent of the cool-down. */
  private failedProbes = 0;
  private probeAt = 0;
  private readonly listeners = new Set<(state: BreakerState) => void>();

  constructor(
    readonly options: ResolvedBreakerOptions,
    private readonly clock: BreakerClock = SYSTEM_CLOCK,
  ) {}

  get state(): BreakerState {
    return this.currentState;
  }

  /**
   * Asks to write now. Closed: allowed. Open and the cool-down over: allowed once, as the probe (the breaker turns
   * half-open until `success` or `failure` reports its outcome). Otherwise: not allowed, with the time to wait.
   */
  request(): BreakerPermit {
    if (this.currentState === 'closed') return GO;
    if (this.currentState === 'open') {
      const wait = this.probeAt - this.clock.now();
      if (wait > 0) return { allowed: false, retryInMs: wait };
      this.transition('half_open');
      return PROBE;
    }
    // A probe is out; its outcome wakes the waiters. Asking again after a cool-down is the fallback.
    return { allowed: false, retryInMs: this.options.cooldownMs };
  }

  /** The database answered: a write succeeded, or failed for a reason that is not about reaching it. */
  success(): void {
    this.failures = 0;
    this.failedProbes = 0;
    if (this.currentState !== 'closed') this.transition('closed');
  }

  /** A write failed transiently (the database is unreachable, overloaded or timed out). */
  failure(): void {
    this.failures++;
    if (this.currentState === 'half_open') {
      this.failedProbes++;
      this.open();
    } else if (this.currentState === 'closed' && this.failures >= this.options.failureThreshold) {
      this.open();
    }
    // Already open: a write that was in flight when it opened; the cool-down stands.
  }

  snapshot(): BreakerSnapshot {
    return {
      state: this.currentState,
      consecutiveFailures: this.failures,
      opened: this.openedCount,
      nextProbeAt: this.currentState === 'open' ? this.probeAt : null,
    };
  }

  /** Called after every state change; whatever a listener throws is ignored. Returns the unsubscribe function. */
  onChange(listener: (state: BreakerState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private open(): void {
    const ceiling = Math.min(this.options.maxCooldownMs, this.options.cooldownMs * 2 ** this.failedProbes);
    const draw = this.clock.random();
    const fraction = draw >= 0 && draw < 1 ? draw : 0;
    this.probeAt = this.clock.now() + ceiling / 2 + (fraction * ceiling) / 2;
    if (this.currentState !== 'open') this.openedCount++;
    this.transition('open');
  }

  private transition(state: BreakerState): void {
    this.currentState = state;
    for (const listener of [...this.listeners]) {
      try {
        listener(state);
      } catch {
        // A listener is ours (pipeline, replay); none may break the breaker.
      }
    }
  }
}
