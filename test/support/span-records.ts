import { randomBytes } from 'node:crypto';
import type { ExecutionKind, ExecutionRecord, PerformanceRecord, SpanRecord } from '../../src/model/records';

/** Builders of SpanRecords for store tests: every field set to something plausible, ids random. */

export const newTraceId = (): string => randomBytes(16).toString('hex');
export const newSpanId = (): string => randomBytes(8).toString('hex');

const T0 = new Date('2026-11-01T10:00:00.000Z');

export function performance(overrides: Partial<PerformanceRecord> = {}): PerformanceRecord {
  return {
    durationMs: 120,
    provider: null,
    requestModel: null,
    responseModel: null,
    inputTokens: null,
    outputTokens: null,
    cacheReadTokens: null,
    cacheWriteTokens: null,
    reasoningTokens: null,
    costUsd: null,
    costSource: 'unknown',
    usageSource: null,
    priceId: null,
    ...overrides,
  };
}

export interface SpanOptions {
  traceId: string;
  spanId?: string;
  parentSpanId?: string | null;
  kind?: ExecutionKind;
  execution?: Partial<ExecutionRecord>;
  performance?: Partial<PerformanceRecord> | null;
}

/** A final (completed) record. */
export function finalSpan(options: SpanOptions): SpanRecord {
  const kind = options.kind ?? 'agent';
  return {
    execution: {
      traceId: options.traceId,
      spanId: options.spanId ?? newSpanId(),
      parentSpanId: options.parentSpanId ?? null,
      kind,
      name: kind === 'agent' ? 'invoke_agent ResearchAgent' : `${kind} span`,
      agentName: 'ResearchAgent',
      agentVersion: '1.0',
      status: 'completed',
      startedAt: T0,
      completedAt: new Date(T0.getTime() + 1500),
      errorType: null,
      errorMessage: null,
      input: '{"topic":"AI"}',
      output: '{"summary":"done"}',
      qualityScore: null,
      userId: 'user-1',
      sessionId: 'session-1',
      tenantId: 'acme',
      conversationId: 'conversation-1',
      metadata: '{"issueNumber":123}',
      serviceName: 'marketing',
      ...options.execution,
    },
    performance: options.performance === null ? null : performance(options.performance ?? {}),
    decisions: [],
    events: [],
  };
}

/** The `running` record the processor writes when an agent span starts: no end, no output, no performance. */
export function runningSpan(options: SpanOptions): SpanRecord {
  const record = finalSpan({ ...options, performance: null });
  return {
    ...record,
    execution: {
      ...record.execution,
      status: 'running',
      completedAt: null,
      output: null,
      qualityScore: null,
      ...options.execution,
    },
  };
}

/** An LLM call with usage and cost. */
export function llmSpan(
  traceId: string,
  parentSpanId: string,
  usage: Partial<PerformanceRecord> = {},
  execution: Partial<ExecutionRecord> = {},
): SpanRecord {
  return finalSpan({
    traceId,
    parentSpanId,
    kind: 'llm',
    execution: { name: 'chat gpt-4o', ...execution },
    performance: {
      provider: 'openai',
      requestModel: 'gpt-4o',
      responseModel: 'gpt-4o-2024-08-06',
      inputTokens: 100,
      outputTokens: 20,
      cacheReadTokens: 10,
      cacheWriteTokens: 0,
      reasoningTokens: 5,
      costUsd: '0.0012500000',
      costSource: 'calculated',
      usageSource: 'provided',
      ...usage,
    },
  });
}
