import type { BudgetOptions } from '../context/run-budget';

/** Options every agentspan decorator and `traced()` accept. */
export interface SpanOptions {
  /** The span's name (for @Tool the tool name, for @Decision the decision point). Defaults from the method name. */
  name?: string;
  /** Record the arguments as `agentspan.input`. Default true. */
  captureInput?: boolean;
  /** Record the result as `agentspan.output`. Default true. */
  captureOutput?: boolean;
  /** Extra span attributes: fixed, or computed from the instance and arguments at each call. */
  attributes?: Record<string, unknown> | ((self: any, args: any[]) => Record<string, unknown>);
  /** Chooses what of the arguments to record (for example one field instead of a whole request object). */
  mapInput?: (args: any[]) => unknown;
  /** Chooses what of the result to record. For iterated and streamed results it is applied to each chunk. */
  mapOutput?: (result: any) => unknown;
}

export type TraceOptions = SpanOptions;

export interface ToolOptions extends SpanOptions {
  description?: string;
  /** `function` (default), `extension` or `datastore`, as OTel GenAI defines gen_ai.tool.type. */
  type?: string;
  /**
   * What one call costs in US dollars (a paid API, say): a number, or a function of the result and the arguments.
   * Added to the call's cost (and so to the run's totals and budget). A function that throws or returns anything but
   * a finite number >= 0 leaves the cost unknown, with a note on the span; the tool's result is never affected.
   */
  costUsd?: ToolCost;
}

export type ToolCost = number | ((result: any, args: any) => number);

export interface LLMOptions extends SpanOptions {
  /** gen_ai.provider.name, for example `openai`, `anthropic`, `gcp.gemini`. */
  provider?: string;
  /** gen_ai.request.model. */
  model?: string;
  /** gen_ai.operation.name: `chat` (default), `text_completion`, `generate_content`, `embeddings`… */
  operation?: string;
}

export type DecisionOptions = SpanOptions;

export interface AgentOptions {
  /** Defaults to the class name. */
  name?: string;
  version?: string;
  description?: string;
  /** gen_ai.agent.id, when your agents have stable ids. */
  id?: string;
  /** Limits of each run of this agent, checked in memory as the run goes (see BudgetOptions). */
  budget?: BudgetOptions;
}

export type SpanRole = 'agent' | 'task' | 'tool' | 'llm' | 'decision';

/** Options of `traced(fn, options)`: a plain function wrapped as any of the span roles. */
export interface TracedOptions extends SpanOptions {
  /** Default `task`. With `agent`, the function is an agent execution named by `agent.name` (or `name`). */
  kind?: SpanRole;
  agent?: AgentOptions;
  description?: string;
  type?: string;
  /** With `kind: 'tool'`: what a call costs (see ToolOptions). */
  costUsd?: ToolCost;
  provider?: string;
  model?: string;
  operation?: string;
}
