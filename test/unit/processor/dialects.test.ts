import { SpanKind, trace } from '@opentelemetry/api';
import { mapSpan } from '../../../src/processor/map-span';
import { spanKindOf } from '../../../src/processor/span-kind';
import {
  DIALECT_CHAT_SPANS,
  LangfuseOtelSpanAttributes,
  OpenInferenceSpanKind,
  SemanticConventions,
  Traceloop,
  TraceloopSpanKindValues,
} from '../../support/dialect-spans';
import { installTracing } from '../../support/tracing';

const tracing = installTracing();
beforeEach(() => tracing.reset());

function mapped(scope: string, name: string, attributes: Record<string, string | number>) {
  trace.getTracer(scope).startSpan(name, { kind: SpanKind.INTERNAL, attributes }).end();
  const spans = tracing.spans();
  return mapSpan(spans[spans.length - 1]!, 'end')!;
}

describe('spans of other instrumentations, in every dialect', () => {
  it.each(Object.keys(DIALECT_CHAT_SPANS))('maps a %s chat span into the same buckets', (dialect) => {
    const { scope, name, attributes } = DIALECT_CHAT_SPANS[dialect]!;
    const record = mapped(scope, name, attributes as Record<string, string | number>);
    expect(record.execution.kind).toBe('llm');
    expect(record.performance).toMatchObject({
      inputTokens: 1000,
      cacheReadTokens: 500,
      cacheWriteTokens: null,
      outputTokens: 150,
      reasoningTokens: 50,
      costUsd: null,
      costSource: 'unknown',
      usageSource: 'provided',
    });
    expect([record.performance!.responseModel, record.performance!.requestModel]).toContain('gpt-4o-2024-08-06');
    expect(record.events).toEqual([]);
  });

  it('reads the deprecated OTel GenAI names', () => {
    const record = mapped('old-openai', 'chat gpt-4o', { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.prompt_tokens': 70, 'gen_ai.usage.completion_tokens': 30 });
    expect(record.execution.kind).toBe('llm');
    expect(record.performance).toMatchObject({ provider: 'openai', requestModel: 'gpt-4o', inputTokens: 70, outputTokens: 30, cacheReadTokens: null });
  });

  it('takes the cost a dialect reports as provided: Langfuse cost_details, OpenInference llm.cost.total, gen_ai.usage.cost', () => {
    const langfuse = mapped('langfuse-sdk', 'g', {
      [LangfuseOtelSpanAttributes.OBSERVATION_TYPE]: 'generation',
      [LangfuseOtelSpanAttributes.OBSERVATION_COST_DETAILS]: '{"input":0.001,"output":0.002,"total":0.003}',
    });
    expect(langfuse.performance).toMatchObject({ costUsd: '0.003', costSource: 'provided' });
    const parts = mapped('langfuse-sdk', 'g', { [LangfuseOtelSpanAttributes.OBSERVATION_TYPE]: 'generation', [LangfuseOtelSpanAttributes.OBSERVATION_COST_DETAILS]: '{"input":0.25,"output":0.5}' });
    expect(parts.performance).toMatchObject({ costUsd: '0.75', costSource: 'provided' });
    const openinference = mapped('oi', 'c', { [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.LLM, [SemanticConventions.LLM_COST_TOTAL]: 0.0042 });
    expect(openinference.performance).toMatchObject({ costUsd: '0.0042', costSource: 'provided' });
    const genai = mapped('x', 'chat m', { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.cost': 0.5 });
    expect(genai.performance).toMatchObject({ costUsd: '0.5', costSource: 'provided' });
  });

  it('maps the span kinds each dialect names, and what it names that has no row kind as other', () => {
    const kind = (attributes: Record<string, string>) => spanKindOf(attributes, 'someone-else');
    expect(kind({ [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.AGENT })).toBe('agent');
    expect(kind({ [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.TOOL })).toBe('tool');
    expect(kind({ [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.CHAIN })).toBe('task');
    expect(kind({ [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.EMBEDDING })).toBe('llm');
    expect(kind({ [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.RETRIEVER })).toBe('other');
    expect(kind({ [Traceloop.TRACELOOP_SPAN_KIND]: TraceloopSpanKindValues.WORKFLOW })).toBe('task');
    expect(kind({ [Traceloop.TRACELOOP_SPAN_KIND]: TraceloopSpanKindValues.AGENT })).toBe('agent');
    expect(kind({ [Traceloop.TRACELOOP_SPAN_KIND]: TraceloopSpanKindValues.TOOL })).toBe('tool');
    expect(kind({ [LangfuseOtelSpanAttributes.OBSERVATION_TYPE]: 'generation' })).toBe('llm');
    expect(kind({ [LangfuseOtelSpanAttributes.OBSERVATION_TYPE]: 'tool' })).toBe('tool');
    expect(kind({ [LangfuseOtelSpanAttributes.OBSERVATION_TYPE]: 'guardrail' })).toBe('other');
    expect(kind({ 'gen_ai.system': 'anthropic' })).toBe('llm');
    expect(kind({ 'http.request.method': 'GET' })).toBeUndefined();
  });

  it('reads agent names, user, session, input, output and metadata in each dialect', () => {
    const openinference = mapped('oi', 'Planner', {
      [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.AGENT,
      [SemanticConventions.AGENT_NAME]: 'Planner',
      [SemanticConventions.USER_ID]: 'u-oi',
      [SemanticConventions.SESSION_ID]: 's-oi',
      [SemanticConventions.INPUT_VALUE]: 'plan a trip',
      [SemanticConventions.METADATA]: '{"team":"travel"}',
    });
    expect(openinference.execution).toMatchObject({ kind: 'agent', agentName: 'Planner', userId: 'u-oi', sessionId: 's-oi', input: '"plan a trip"', metadata: '{"team":"travel"}' });

    const traceloop = mapped('@traceloop/node-server-sdk', 'Planner.agent', {
      [Traceloop.TRACELOOP_SPAN_KIND]: TraceloopSpanKindValues.AGENT,
      [Traceloop.TRACELOOP_ENTITY_NAME]: 'Planner',
      [Traceloop.TRACELOOP_ENTITY_INPUT]: '{"args":["trip"]}',
      [Traceloop.TRACELOOP_ENTITY_OUTPUT]: '"done"',
      [`${Traceloop.TRACELOOP_ASSOCIATION_PROPERTIES}.customer`]: 'acme',
    });
    expect(traceloop.execution).toMatchObject({ kind: 'agent', agentName: 'Planner', input: '{"args":["trip"]}', output: '"done"', metadata: '{"customer":"acme"}' });

    const langfuse = mapped('langfuse-sdk', 'Planner', {
      [LangfuseOtelSpanAttributes.OBSERVATION_TYPE]: 'agent',
      [LangfuseOtelSpanAttributes.TRACE_COMPAT_USER_ID]: 'u-lf',
      [LangfuseOtelSpanAttributes.TRACE_COMPAT_SESSION_ID]: 's-lf',
      [LangfuseOtelSpanAttributes.OBSERVATION_INPUT]: '{"q":1}',
    });
    expect(langfuse.execution).toMatchObject({ kind: 'agent', userId: 'u-lf', sessionId: 's-lf', input: '{"q":1}' });

    const genai = mapped('x', 'invoke_agent Critic', { 'gen_ai.operation.name': 'invoke_agent' });
    expect(genai.execution).toMatchObject({ kind: 'agent', agentName: 'Critic' });
  });
});
