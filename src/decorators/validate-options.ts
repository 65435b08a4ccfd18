import {
  checkObject,
  knownKeys,
  optionalBoolean,
  optionalFunction,
  optionalString,
  type OptionKeys,
} from '../internal/check-option';
import type { BudgetOptions } from '../context/run-budget';
import type { AgentOptions, LLMOptions, SpanOptions, SpanRole, ToolOptions, TracedOptions } from './types';

// The keys of each decorator's options type: JavaScript callers get the excess property check TypeScript gives.
const SPAN_KEYS = {
  name: true,
  captureInput: true,
  captureOutput: true,
  attributes: true,
  mapInput: true,
  mapOutput: true,
} as const satisfies OptionKeys<SpanOptions>;
const TOOL_KEYS = {
  ...SPAN_KEYS,
  description: true,
  type: true,
  costUsd: true,
} as const satisfies OptionKeys<ToolOptions>;
const LLM_KEYS = {
  ...SPAN_KEYS,
  provider: true,
  model: true,
  operation: true,
} as const satisfies OptionKeys<LLMOptions>;
const TRACED_KEYS = {
  ...TOOL_KEYS,
  ...LLM_KEYS,
  kind: true,
  agent: true,
} as const satisfies OptionKeys<TracedOptions>;
const AGENT_KEYS = {
  name: true,
  version: true,
  description: true,
  id: true,
  budget: true,
} as const satisfies OptionKeys<AgentOptions>;
const BUDGET_KEYS = { maxCostUsd: true, maxTokens: true, onExceed: true } as const satisfies OptionKeys<BudgetOptions>;

/** The option keys of a method decorator of this role, or of traced(). */
export function spanOptionKeys(role: SpanRole | 'traced'): Readonly<Record<string, true>> {
  if (role === 'tool') return TOOL_KEYS;
  if (role === 'llm') return LLM_KEYS;
  if (role === 'traced') return TRACED_KEYS;
  return SPAN_KEYS;
}

const STRING_OPTIONS = ['name', 'description', 'type', 'provider', 'model', 'operation'] as const;
const FUNCTION_OPTIONS = ['mapInput', 'mapOutput'] as const;
const KINDS = new Set(['agent', 'task', 'tool', 'llm', 'decision']);

/** Decorator options are configuration: wrong ones fail when the class is defined, with the option named. */
export function validateSpanOptions(
  where: string,
  options: unknown,
  keys: Readonly<Record<string, true>>,
): TracedOptions {
  if (options === undefined) return {};
  checkObject(`${where} options`, options);
  const given = options as Record<string, unknown>;
  knownKeys(where, given, keys);
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
  if (given.agent !== undefined) validateAgentOptions(given.agent, where, 'agent.');
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

/** `path` names where the options sit inside another options object (`agent.` for traced's `agent`). */
export function validateAgentOptions(options: unknown, where = '@Agent', path = ''): asserts options is AgentOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError(
      `agentspan: ${where} ${path === '' ? 'options' : `option ${path.slice(0, -1)}`} must be an object`,
    );
  knownKeys(where, options, AGENT_KEYS, path);
  for (const key of ['name', 'version', 'description', 'id'] as const) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined && (typeof value !== 'string' || value === '')) {
      throw new TypeError(`agentspan: ${where} option ${path}${key} must be a non-empty string`);
    }
  }
  const budget = (options as Record<string, unknown>).budget;
  if (budget !== undefined) validateBudget(where, budget, `${path}budget.`);
}

function validateBudget(where: string, budget: unknown, path: string): void {
  if (budget === null || typeof budget !== 'object' || Array.isArray(budget))
    throw new TypeError(`agentspan: ${where} option ${path.slice(0, -1)} must be an object`);
  const given = budget as Record<string, unknown>;
  knownKeys(where, given, BUDGET_KEYS, path);
  for (const key of ['maxCostUsd', 'maxTokens'] as const) {
    const value = given[key];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
      throw new TypeError(`agentspan: ${where} option ${path}${key} must be a finite number > 0`);
    }
  }
  if (given.maxCostUsd === undefined && given.maxTokens === undefined) {
    throw new TypeError(`agentspan: ${where} option ${path.slice(0, -1)} needs maxCostUsd or maxTokens`);
  }
  if (given.onExceed !== undefined && given.onExceed !== 'warn' && given.onExceed !== 'throw') {
    throw new TypeError(`agentspan: ${where} option ${path}onExceed must be 'warn' or 'throw'`);
  }
}
