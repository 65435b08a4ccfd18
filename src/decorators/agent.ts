import { registerAgent } from './agent-identity';
import { validateAgentOptions } from './validate-options';
import type { AgentOptions } from './types';

/** Accepted both as a legacy (experimentalDecorators) and as a standard TC39 class decorator. */
export type DualClassDecorator = <T extends abstract new (...args: any[]) => unknown>(
  target: T,
  context?: ClassDecoratorContext<T>,
) => void;

/**
 * Marks a class as an agent. The outermost @Trace call on an instance becomes the agent execution
 * (`invoke_agent {name}`); every span of its methods carries `gen_ai.agent.name`, `.version`, `.description`.
 * A subclass with its own @Agent uses its own identity; one without inherits its parent's.
 */
export function Agent(options: AgentOptions = {}): DualClassDecorator {
  validateAgentOptions(options);
  return (target) => {
    registerAgent(target, options);
  };
}
