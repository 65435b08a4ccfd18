import { batchTotals, decimalText, tenBillionths } from '../../src/store/write/batch-totals';
import { dedupeRecords, type MergedSpan } from '../../src/store/write/dedupe-records';
import type { SpanRecord } from '../../src/model/records';
import { finalSpan, llmSpan, newTraceId, runningSpan } from '../support/span-records';

const merged = (records: SpanRecord[]): MergedSpan[] => dedupeRecords(records);
const spanOf = (spans: MergedSpan[], record: SpanRecord) =>
  spans.find((span) => span.record.execution.spanId === record.execution.spanId)!;

describe('batchTotals: subtree totals of runs a write holds whole', () => {
  it('sums each agent’s subtree, nested agents included, with SQL’s null rules and counts', () => {
    const traceId = newTraceId();
    const agent = finalSpan({ traceId, kind: 'agent', performance: { inputTokens: 7, costUsd: '0.0000000001' } });
    const tool = finalSpan({
      traceId,
      parentSpanId: agent.execution.spanId,
      kind: 'tool',
      execution: { status: 'failed' },
    });
    const nested = finalSpan({ traceId, parentSpanId: agent.execution.spanId, kind: 'agent' });
    const priced = llmSpan(traceId, nested.execution.spanId, {
      inputTokens: 100,
      outputTokens: 10,
      reasoningTokens: null,
      costUsd: '0.25',
    });
    const unpriced = llmSpan(traceId, nested.execution.spanId, {
      inputTokens: 50,
      outputTokens: 5,
      reasoningTokens: null,
      cacheReadTokens: null,
      costUsd: null,
      costSource: 'unknown',
    });
    const spans = merged([agent, tool, nested, priced, unpriced]);
    const totals = batchTotals(spans).get(traceId)!;
    expect(totals.agents.get(spanOf(spans, nested))).toEqual({
      inputTokens: 150,
      outputTokens: 15,
      cacheReadTokens: 10, // llmSpan's default on the priced call; null on the other is skipped, as sum() does
      cacheWriteTokens: 0,
      reasoningTokens: null, // null everywhere in the subtree: unknown, not 0
      costUsd: '0.2500000000',
      llmCalls: 2,
      toolCalls: 0,
      errors: 0,
      unknownCostCalls: 1,
    });
    expect(totals.agents.get(spanOf(spans, agent))).toMatchObject({
      inputTokens: 157,
      costUsd: '0.2500000001',
      llmCalls: 2,
      toolCalls: 1,
      errors: 1,
      unknownCostCalls: 1,
    });
  });

  it('leaves out a trace with a span whose parent is not in the write, a cycle, or a cost it cannot read exactly', () => {
    const outside = newTraceId();
    const orphanParent = finalSpan({ traceId: outside, kind: 'agent' });
    const cyclic = newTraceId();
    const a = finalSpan({ traceId: cyclic, kind: 'agent' });
    const b = finalSpan({ traceId: cyclic, kind: 'task', parentSpanId: a.execution.spanId });
    a.execution.parentSpanId = b.execution.spanId;
    const exponent = newTraceId();
    const agent = finalSpan({ traceId: exponent, kind: 'agent', performance: { costUsd: '1e-7' } });
    const result = batchTotals(merged([orphanParent, llmSpan(outside, 'ffffffffffffffff'), a, b, agent]));
    expect([...result.keys()]).toEqual([]);
  });

  it('gives no totals to agents still running, as the SQL does by default', () => {
    const traceId = newTraceId();
    const running = runningSpan({ traceId });
    const totals = batchTotals(merged([running, llmSpan(traceId, running.execution.spanId)])).get(traceId)!;
    expect(totals.agents.size).toBe(0);
  });

  it('rounds each cost to the column’s 10 places half away from zero, and caps the sum like the SQL', () => {
    expect(tenBillionths('0.00000000015')).toBe(2n);
    expect(tenBillionths('0.00000000014999')).toBe(1n);
    expect(tenBillionths('-0.00000000015')).toBe(-2n);
    expect(tenBillionths('12')).toBe(120_000_000_000n);
    for (const text of ['1e-7', 'NaN', '', '.5', '1.', '0x10']) expect(tenBillionths(text)).toBeUndefined();
    expect(decimalText(2n)).toBe('0.0000000002');
    expect(decimalText(-120_000_000_000n)).toBe('-12.0000000000');

    const traceId = newTraceId();
    const agent = finalSpan({ traceId, kind: 'agent' });
    const children = Array.from({ length: 3 }, () =>
      finalSpan({
        traceId,
        parentSpanId: agent.execution.spanId,
        kind: 'tool',
        performance: { costUsd: '99999999999999.9' },
      }),
    );
    const spans = merged([agent, ...children]);
    expect(batchTotals(spans).get(traceId)!.agents.get(spanOf(spans, agent))!.costUsd).toBe(
      '99999999999999.9999999999',
    );
  });
});
