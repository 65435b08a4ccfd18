/**
 * The instrumentation front on its own: decorators, traced(), run context and recording functions. Importing it loads
 * only @opentelemetry/api — no database driver, no ORM — for code that only creates spans.
 */
export { Agent } from './decorators/agent';
export { Trace, Tool, LLM, Decision } from './decorators/method-decorators';
export { traced } from './decorators/traced';
export type {
  AgentOptions,
  DecisionOptions,
  LLMOptions,
  SpanOptions,
  SpanRole,
  ToolCost,
  ToolOptions,
  TraceOptions,
  TracedOptions,
} from './decorators/types';
export type { DualMethodDecorator } from './decorators/method-decorator';
export type { DualClassDecorator } from './decorators/agent';
export { withAgentContext, type AgentRunAttributes } from './context/run-attributes';
export { recordUsage, type UsageReport } from './context/usage';
export { BudgetExceededError } from './context/budget-exceeded-error';
export type { BudgetOptions } from './context/run-budget';
export { recordQuality } from './context/quality';
export { recordMetrics } from './context/metrics';
export { recordDecision, type DecisionReport } from './context/decision';
export { log, type LogLevel } from './context/log';
export { configureCapture } from './capture/settings';
export type { CaptureOptions, RedactionOptions } from './capture/types';
export { usageFromResponse } from './cost/usage-from-response';
export type { ResponseUsage, TokenUsage } from './cost/usage';
export * from './semconv/attributes';
export { VERSION } from './version';
export { agentspanRoleOf } from './semconv/span-role';
export { TRACER_NAME } from './semconv/tracer-name';
