import { checkObject, optionalBoolean, optionalFunction, optionalString } from '../internal/check-option';
import type { AgentOptions, TracedOptions } from './types';

const STRING_OPTIONS = ['name', 'description', 'type', 'provider', 'model', 'operation'] as const;
const FUNCTION_OPTIONS = ['mapInput', 'mapOutput'] as const;
const KINDS = new Set(['agent', 'task', 'tool', 'llm', 'decision']);

/** Decorator options are configuration: wrong ones fail when the class is defined, with the option named. */
export function validateSpanOptions(where: string, options: unknown): TracedOptions {
  if (options === undefined) return {};
  checkObject(`${where} options`, options);
  const given = options as Record<string, unknown>;
  for (const key of STRING_OPTIONS) optionalString(`${where} option ${key}`, given[key]);
  for (const key of FUNCTION_OPTIONS) optionalFunction(`${where} option ${key}`, given[key]);
  for (const key of ['captureInput', 'captureOutput'] as const)
    optionalBoolean(`${where} option ${key}`, given[key], true);
  const attributes = given.attributes;
  if (
    attributes !== undefined &&
    typeof attributes !== 'function' &&
    (attributes === null || typeof attributes !== 'object')
  ) {
    throw new TypeError(`agentspan: ${where} option attributes must be an object or a function`);
  }
  if (given.kind !== undefined && !KINDS.has(given.kind as string)) {
    throw new TypeError(`agentspan: ${where} option kind must be one of agent, task, tool, llm, decision`);
  }
  if (given.agent !== undefined) validateAgentOptions(given.agent, `${where} option agent`);
  if (given.costUsd !== undefined) validateToolCost(where, given.costUsd, where === '@Tool' || given.kind === 'tool');
  return given as TracedOptions;
}

function validateToolCost(where: string, cost: unknown, isTool: boolean): void {
  if (!isTool) throw new TypeError(`agentspan: ${where} option costUsd is only for tools`);
  if (typeof cost === 'function') return;
  if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) {
    throw new TypeError(`agentspan: ${where} option costUsd must be a finite number >= 0 or a function`);
  }
}

function validateBudget(where: string, budget: unknown): void {
  if (budget === null || typeof budget !== 'object')
    throw new TypeError(`agentspan: ${where} option budget must be an object`);
  const given = budget as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (key !== 'maxCostUsd' && key !== 'maxTokens' && key !== 'onExceed') {
      throw new TypeError(
        `agentspan: ${where} option budget has an unknown key ${key} (expected maxCostUsd, maxTokens, onExceed)`,
      );
    }
  }
  for (const key of ['maxCostUsd', 'maxTokens'] as const) {
    const value = given[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
      throw new TypeError(`agentspan: ${where} option budget.${key} must be a finite number > 0`);
    }
  }
  if (given.maxCostUsd === undefined && given.maxTokens === undefined) {
    throw new TypeError(`agentspan: ${where} option budget needs maxCostUsd or maxTokens`);
  }
  if (given.onExceed !== undefined && given.onExceed !== 'warn' && given.onExceed !== 'throw') {
    throw new TypeError(`agentspan: ${where} option budget.onExceed must be 'warn' or 'throw'`);
  }
}

export function validateAgentOptions(options: unknown, where = '@Agent'): asserts options is AgentOptions {
  if (options === null || typeof options !== 'object')
    throw new TypeError(`agentspan: ${where} options must be an object`);
  for (const key of ['name', 'version', 'description', 'id'] as const) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new TypeError(`agentspan: ${where} option ${key} must be a non-empty string`);
    }
  }
  const budget = (options as Record<string, unknown>).budget;
  if (budget !== undefined) validateBudget(where, budget);
}
