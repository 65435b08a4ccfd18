import { SpanKind, trace } from '@opentelemetry/api';
import { mapSpan } from '../../src/mapping/map-span';
import { spanKindOf } from '../../src/mapping/span-kind';
import {
  DIALECT_CHAT_SPANS,
  LangfuseOtelSpanAttributes,
  OpenInferenceSpanKind,
  SemanticConventions,
  Traceloop,
  TraceloopSpanKindValues,
} from '../support/dialect-spans';
import { installTracing } from '../support/tracing';

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
    const record = mapped('old-openai', 'chat gpt-4o', {
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.prompt_tokens': 70,
      'gen_ai.usage.completion_tokens': 30,
    });
    expect(record.execution.kind).toBe('llm');
    expect(record.performance).toMatchObject({
      provider: 'openai',
      requestModel: 'gpt-4o',
      inputTokens: 70,
      outputTokens: 30,
      cacheReadTokens: null,
    });
  });

  it('takes the cost a dialect reports as provided: Langfuse cost_details, OpenInference llm.cost.total, gen_ai.usage.cost', () => {
    const langfuse = mapped('langfuse-sdk', 'g', {
      [LangfuseOtelSpanAttributes.OBSERVATION_TYPE]: 'generation',
      [LangfuseOtelSpanAttributes.OBSERVATION_COST_DETAILS]: '{"input":0.001,"output":0.002,"total":0.003}',
    });
    expect(langfuse.performance).toMatchObject({ costUsd: '0.003', costSource: 'provided' });
    const parts = mapped('langfuse-sdk', 'g', {
      [LangfuseOtelSpanAttributes.OBSERVATION_TYPE]: 'generation',
      [LangfuseOtelSpanAttributes.OBSERVATION_COST_DETAILS]: '{"input":0.25,"output":0.5}',
    });
    expect(parts.performance).toMatchObject({ costUsd: '0.75', costSource: 'provided' });
    const openinference = mapped('oi', 'c', {
      [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.LLM,
      [SemanticConventions.LLM_COST_TOTAL]: 0.0042,
    });
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
    expect(openinference.execution).toMatchObject({
      kind: 'agent',
      agentName: 'Planner',
      userId: 'u-oi',
      sessionId: 's-oi',
      input: '"plan a trip"',
      metadata: '{"team":"travel"}',
    });

    const traceloop = mapped('@traceloop/node-server-sdk', 'Planner.agent', {
      [Traceloop.TRACELOOP_SPAN_KIND]: TraceloopSpanKindValues.AGENT,
      [Traceloop.TRACELOOP_ENTITY_NAME]: 'Planner',
      [Traceloop.TRACELOOP_ENTITY_INPUT]: '{"args":["trip"]}',
      [Traceloop.TRACELOOP_ENTITY_OUTPUT]: '"done"',
      [`${Traceloop.TRACELOOP_ASSOCIATION_PROPERTIES}.customer`]: 'acme',
    });
    expect(traceloop.execution).toMatchObject({
      kind: 'agent',
      agentName: 'Planner',
      input: '{"args":["trip"]}',
      output: '"done"',
      metadata: '{"customer":"acme"}',
    });

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

describe('what each instrumentation means by its figures (scope, dialect)', () => {
  it("Traceloop's Anthropic spans count fresh input only: the cache is not taken out again", () => {
    const attributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.output_tokens': 300,
      'gen_ai.usage.cache_read.input_tokens': 1000,
      'gen_ai.usage.cache_creation.input_tokens': 200,
    };
    expect(
      mapped('@traceloop/instrumentation-anthropic', 'chat claude-haiku-4-5', attributes).performance,
    ).toMatchObject({
      inputTokens: 100,
      cacheReadTokens: 1000,
      cacheWriteTokens: 200,
      outputTokens: 300,
    });
    // The same names from any other scope have OTel's meaning: input includes the cache.
    expect(
      mapped('some-anthropic-instrumentation', 'chat', { ...attributes, 'gen_ai.usage.input_tokens': 1300 })
        .performance,
    ).toMatchObject({
      inputTokens: 100,
    });
  });

  it("the Anthropic SDK's own spans name cache writes gen_ai.usage.cache_write.input_tokens", () => {
    const record = mapped('com.anthropic.sdk.typescript', 'anthropic.messages.create', {
      'gen_ai.operation.name': 'chat',
      'gen_ai.usage.input_tokens': 1300,
      'gen_ai.usage.output_tokens': 300,
      'gen_ai.usage.cache_read.input_tokens': 1000,
      'gen_ai.usage.cache_write.input_tokens': 200,
    });
    expect(record.performance).toMatchObject({
      inputTokens: 100,
      cacheReadTokens: 1000,
      cacheWriteTokens: 200,
      outputTokens: 300,
    });
  });

  it("the AI SDK's legacy spans: cache and reasoning from ai.usage.*, the provider from its provider id", () => {
    const base = {
      'gen_ai.system': 'anthropic.messages',
      'gen_ai.request.model': 'claude-haiku-4-5',
      'gen_ai.usage.input_tokens': 1300,
      'gen_ai.usage.output_tokens': 300,
    };
    const details = mapped('ai', 'ai.generateText.doGenerate', {
      ...base,
      'ai.usage.inputTokenDetails.cacheReadTokens': 1000,
      'ai.usage.inputTokenDetails.cacheWriteTokens': 200,
      'ai.usage.outputTokenDetails.reasoningTokens': 50,
    });
    expect(details.performance).toMatchObject({
      provider: 'anthropic',
      inputTokens: 100,
      cacheReadTokens: 1000,
      cacheWriteTokens: 200,
      outputTokens: 250,
      reasoningTokens: 50,
    });
    const older = mapped('ai', 'ai.generateText.doGenerate', {
      ...base,
      'ai.usage.cachedInputTokens': 1000,
      'ai.usage.reasoningTokens': 50,
    });
    expect(older.performance).toMatchObject({
      inputTokens: 300,
      cacheReadTokens: 1000,
      cacheWriteTokens: null,
      outputTokens: 250,
      reasoningTokens: 50,
    });
  });

  it('OpenInference: llm.model_name overwritten with the response model is the response model; the request model is in the parameters', () => {
    const kind = { [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.LLM };
    const answered = mapped('oi', 'OpenAI Chat Completions', {
      ...kind,
      'llm.model_name': 'gpt-4o-mini-2024-07-18',
      'llm.invocation_parameters': '{"model":"gpt-4o-mini"}',
    });
    expect(answered.performance).toMatchObject({
      requestModel: 'gpt-4o-mini',
      responseModel: 'gpt-4o-mini-2024-07-18',
    });
    const streamed = mapped('oi', 'OpenAI Chat Completions', {
      ...kind,
      'llm.model_name': 'gpt-4o-mini',
      'llm.invocation_parameters': '{"model":"gpt-4o-mini"}',
    });
    expect(streamed.performance).toMatchObject({ requestModel: 'gpt-4o-mini', responseModel: null });
    const provider = mapped('oi', 'ChatOpenAI', {
      ...kind,
      'llm.model_name': 'gpt-4o-mini',
      metadata: '{"ls_provider":"openai"}',
    });
    expect(provider.performance).toMatchObject({ provider: 'openai' });
  });

  it("Langfuse: usageDetails in its docs' shape { promptTokens, completionTokens }; level ERROR is a failure", () => {
    const generation = { [LangfuseOtelSpanAttributes.OBSERVATION_TYPE]: 'generation' };
    const usage = mapped('langfuse-sdk', 'g', {
      ...generation,
      [LangfuseOtelSpanAttributes.OBSERVATION_USAGE_DETAILS]:
        '{"promptTokens":1200,"completionTokens":300,"totalTokens":1500}',
    });
    expect(usage.performance).toMatchObject({ inputTokens: 1200, outputTokens: 300 });
    const failed = mapped('langfuse-sdk', 'g', {
      ...generation,
      [LangfuseOtelSpanAttributes.OBSERVATION_LEVEL]: 'ERROR',
      [LangfuseOtelSpanAttributes.OBSERVATION_STATUS_MESSAGE]: 'rate limited',
    });
    expect(failed.execution).toMatchObject({ status: 'failed', errorMessage: 'rate limited' });
    const warning = mapped('langfuse-sdk', 'g', {
      ...generation,
      [LangfuseOtelSpanAttributes.OBSERVATION_LEVEL]: 'WARNING',
    });
    expect(warning.execution.status).toBe('completed');
  });
});

describe('what a span is', () => {
  it('an invoke_agent span named after its model and naming no agent is a task; one that names its agent is an agent', () => {
    const modelNamed = { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.request.model': 'gpt-4o-mini' };
    expect(spanKindOf(modelNamed, 'gen_ai', 'invoke_agent gpt-4o-mini')).toBe('task');
    expect(spanKindOf({ ...modelNamed, 'gen_ai.agent.name': 'greeter' }, 'gen_ai', 'invoke_agent greeter')).toBe(
      'agent',
    );
    expect(spanKindOf(modelNamed, 'other', 'invoke_agent Planner')).toBe('agent');
  });

  it("the AI SDK's step spans are tasks and its legacy tool calls are tools", () => {
    expect(spanKindOf({ 'gen_ai.operation.name': 'agent_step' }, 'gen_ai', 'step 1')).toBe('task');
    expect(spanKindOf({ 'ai.toolCall.name': 'weather', 'ai.operationId': 'ai.toolCall' }, 'ai', 'ai.toolCall')).toBe(
      'tool',
    );
    const tool = mapped('ai', 'ai.toolCall', {
      'ai.toolCall.name': 'weather',
      'ai.toolCall.args': '{"city":"Paris"}',
      'ai.toolCall.result': '{"tempC":21}',
    });
    expect(tool.execution).toMatchObject({ kind: 'tool', input: '{"city":"Paris"}', output: '{"tempC":21}' });
  });
});
