import type { BudgetOptions } from '../context/run-budget';
import type { AgentOptions } from './types';

/** An agent's identity as recorded on its spans. */
export interface AgentIdentity {
  readonly name: string;
  readonly version?: string;
  readonly description?: string;
  readonly id?: string;
  readonly budget?: BudgetOptions;
}

const registered = new WeakMap<Function, AgentIdentity>();
// Lookups walk the prototype chain; remember the answer per constructor. Reset when a class is registered.
let resolved = new WeakMap<Function, AgentIdentity | null>();

export function registerAgent(ctor: Function, options: AgentOptions): void {
  registered.set(ctor, identityFrom(options, ctor.name));
  resolved = new WeakMap();
}

export function identityFrom(options: AgentOptions, fallbackName: string): AgentIdentity {
  return {
    name: options.name ?? (fallbackName || 'agent'),
    version: options.version,
    description: options.description,
    id: options.id,
    budget: options.budget,
  };
}

/** The identity of the nearest @Agent class of an instance (or of a class, for static methods). */
export function agentIdentityOf(self: unknown): AgentIdentity | undefined {
  let ctor: unknown;
  if (typeof self === 'function') ctor = self;
  else if (typeof self === 'object' && self !== null) ctor = (self as { constructor?: unknown }).constructor;
  if (typeof ctor !== 'function') return undefined;
  const known = resolved.get(ctor);
  if (known !== undefined) return known ?? undefined;
  let identity: AgentIdentity | undefined;
  for (let current: unknown = ctor; typeof current === 'function'; current = Object.getPrototypeOf(current)) {
    identity = registered.get(current);
    if (identity) break;
  }
  resolved.set(ctor, identity ?? null);
  return identity;
}

/** The class name used to name task spans of plain classes. */
export function classNameOf(self: unknown): string | undefined {
  if (typeof self === 'function') return self.name || undefined;
  if (typeof self === 'object' && self !== null) {
    const ctor = (self as { constructor?: { name?: unknown } }).constructor;
    return typeof ctor?.name === 'string' && ctor.name !== 'Object' ? ctor.name : undefined;
  }
  return undefined;
}
