import { methodDecorator, type DualMethodDecorator } from './method-decorator';
import type { DecisionOptions, LLMOptions, ToolOptions, TraceOptions } from './types';

/**
 * A step of the agent (`agentspan.kind = task`). The outermost agentspan call on an @Agent instance is instead the
 * agent execution: span `invoke_agent {agent name}`, `gen_ai.operation.name = invoke_agent`.
 */
export function Trace(options?: TraceOptions): DualMethodDecorator {
  return methodDecorator('task', '@Trace', options);
}

/** A tool call: span `execute_tool {tool name}` with gen_ai.tool.*; the tool name defaults to the method name. */
export function Tool(options?: ToolOptions): DualMethodDecorator {
  return methodDecorator('tool', '@Tool', options);
}

/**
 * A model call: span `{operation} {model}` (CLIENT), gen_ai.provider.name and gen_ai.request.model. Token usage,
 * response model and id are read from the result when it is an OpenAI, Anthropic, Gemini or Vercel AI SDK response
 * (or a stream of them), unless the method calls recordUsage itself.
 */
export function LLM(options?: LLMOptions): DualMethodDecorator {
  return methodDecorator('llm', '@LLM', options);
}

/**
 * A decision point. When the method returns `{ choice, alternatives?, reasoning?, confidence? }` (or calls
 * recordDecision), the decision is recorded on the span as an `agentspan.decision` event.
 */
export function Decision(options?: DecisionOptions): DualMethodDecorator {
  return methodDecorator('decision', '@Decision', options);
}
