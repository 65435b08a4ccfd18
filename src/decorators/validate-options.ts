import type { AgentOptions, TracedOptions } from './types';

const STRING_OPTIONS = ['name', 'description', 'type', 'provider', 'model', 'operation'] as const;
const FUNCTION_OPTIONS = ['mapInput', 'mapOutput'] as const;
const KINDS = new Set(['agent', 'task', 'tool', 'llm', 'decision']);

/** Decorator options are configuration: wrong ones fail when the class is defined, with the option named. */
export function validateSpanOptions(where: string, options: unknown): TracedOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`agentspan: ${where} options must be an object`);
  }
  const given = options as Record<string, unknown>;
  for (const key of STRING_OPTIONS) {
    if (given[key] !== undefined && (typeof given[key] !== 'string' || given[key] === '')) {
      throw new TypeError(`agentspan: ${where} option ${key} must be a non-empty string`);
    }
  }
  for (const key of FUNCTION_OPTIONS) {
    if (given[key] !== undefined && typeof given[key] !== 'function') {
      throw new TypeError(`agentspan: ${where} option ${key} must be a function`);
    }
  }
  for (const key of ['captureInput', 'captureOutput'] as const) {
    if (given[key] !== undefined && typeof given[key] !== 'boolean') {
      throw new TypeError(`agentspan: ${where} option ${key} must be a boolean`);
    }
  }
  const attributes = given.attributes;
  if (attributes !== undefined && typeof attributes !== 'function' && (attributes === null || typeof attributes !== 'object')) {
    throw new TypeError(`agentspan: ${where} option attributes must be an object or a function`);
  }
  if (given.kind !== undefined && !KINDS.has(given.kind as string)) {
    throw new TypeError(`agentspan: ${where} option kind must be one of agent, task, tool, llm, decision`);
  }
  if (given.agent !== undefined) validateAgentOptions(given.agent, `${where} option agent`);
  return given as TracedOptions;
}

export function validateAgentOptions(options: unknown, where = '@Agent'): asserts options is AgentOptions {
  if (options === null || typeof options !== 'object') throw new TypeError(`agentspan: ${where} options must be an object`);
  for (const key of ['name', 'version', 'description', 'id'] as const) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new TypeError(`agentspan: ${where} option ${key} must be a non-empty string`);
    }
  }
}
