import { toDecisionView } from '../../src/query/decision-view';
import { toExecutionView } from '../../src/query/execution-view';
import { toPerformanceView, toRunTotals } from '../../src/query/performance-view';
import { dateOf, jsonObjectOrNull, jsonOf, numberOrNull } from '../../src/query/sql-values';

describe('database value converters', () => {
  it('turn bigint and numeric text into numbers, and keep null as null', () => {
    expect(numberOrNull('4000000000')).toBe(4_000_000_000);
    expect(numberOrNull('0.0014500000')).toBe(0.00145);
    expect(numberOrNull(12)).toBe(12);
    expect(numberOrNull(12n)).toBe(12);
    expect(numberOrNull(null)).toBeNull();
    expect(numberOrNull('0')).toBe(0);
  });

  it('parse JSON text, a JSON null and an SQL null both being null', () => {
    expect(jsonOf('{"a":[1,"x"]}')).toEqual({ a: [1, 'x'] });
    expect(jsonOf('"success"')).toBe('success');
    expect(jsonOf('null')).toBeNull();
    expect(jsonOf(null)).toBeNull();
    expect(jsonObjectOrNull('{"issue":1}')).toEqual({ issue: 1 });
    expect(jsonObjectOrNull('[1]')).toBeNull();
  });

  it('accept timestamps as Dates or text', () => {
    const date = new Date('2026-05-01T09:00:00.123Z');
    expect(dateOf(date)).toBe(date);
    expect(dateOf('2026-05-01T09:00:00.123Z')).toEqual(date);
  });
});

describe('row mappers', () => {
  it('read totals from bigint and numeric text, with the exact cost kept', () => {
    expect(
      toRunTotals({
        totalInputTokens: '4000000000',
        totalOutputTokens: '10',
        totalCacheReadTokens: null,
        totalCacheWriteTokens: '0',
        totalReasoningTokens: '2',
        totalCostUsd: '2.5000000002',
        llmCallCount: 2,
        toolCallCount: 0,
        errorCount: 1,
      }),
    ).toEqual({
      inputTokens: 4_000_000_000,
      outputTokens: 10,
      cacheReadTokens: null,
      cacheWriteTokens: 0,
      reasoningTokens: 2,
      costUsd: 2.5000000002,
      costUsdExact: '2.5000000002',
      llmCalls: 2,
      toolCalls: 0,
      errors: 1,
      unknownCostCalls: null,
    });
  });

  it('give no performance view for an execution without a performance row, and totals only to agents', () => {
    expect(toPerformanceView({ performanceId: null }, true)).toBeNull();
    const row = { performanceId: 'p', durationMs: 5, costUsd: '0.1000000000', costSource: 'provided' };
    expect(toPerformanceView(row, false)).toMatchObject({
      durationMs: 5,
      costUsd: 0.1,
      costUsdExact: '0.1000000000',
      totals: null,
    });
    expect(toPerformanceView(row, true)!.totals).toMatchObject({ inputTokens: null, llmCalls: null });
  });

  it('map executions and decisions field by field', () => {
    const execution = toExecutionView({
      executionId: 'e',
      traceId: 't',
      spanId: 's',
      parentSpanId: null,
      kind: 'agent',
      name: 'n',
      agentName: null,
      agentVersion: null,
      status: 'completed',
      startedAt: new Date(0),
      completedAt: null,
      input: '[1]',
      output: null,
      qualityScore: 50,
      metadata: '{"k":"v"}',
    });
    expect(execution).toMatchObject({
      input: [1],
      output: null,
      metadata: { k: 'v' },
      completedAt: null,
      qualityScore: 50,
    });
    expect(
      toDecisionView({
        decisionId: 'd',
        ordinal: 3,
        confidence: '0.5',
        outcome: '{"ok":true}',
        occurredAt: new Date(0),
      }),
    ).toMatchObject({ ordinal: 3, confidence: 0.5, outcome: { ok: true } });
  });
});
