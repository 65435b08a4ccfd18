import { defineCall } from './call-plan';
import { wrapFunction } from './invoke';
import { spanOptionKeys, validateSpanOptions } from './validate-options';
import type { TracedOptions } from './types';

/**
 * Wraps a plain function the way the decorators wrap methods and returns a function of the same type. `kind`
 * chooses the role (default `task`); with `kind: 'agent'` each call is an agent execution.
 */
export function traced<F extends (...args: any[]) => any>(fn: F, options?: TracedOptions): F {
  if (typeof fn !== 'function') throw new TypeError('agentspan: traced(fn, options) expects a function');
  const checked = validateSpanOptions('traced()', options, spanOptionKeys('traced'));
  const name = checked.name ?? (fn.name || 'anonymous');
  return wrapFunction(fn, defineCall(checked.kind ?? 'task', name, checked, false));
}
