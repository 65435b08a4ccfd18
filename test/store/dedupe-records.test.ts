import { dedupeRecords, spanKey } from '../../src/store/write/dedupe-records';
import { finalSpan, newSpanId, newTraceId, runningSpan } from '../support/span-records';

describe('dedupeRecords', () => {
  const traceId = newTraceId();
  const spanId = newSpanId();

  it('keeps one record per (traceId, spanId) and remembers every original', () => {
    const other = finalSpan({ traceId, spanId: newSpanId() });
    const running = runningSpan({ traceId, spanId });
    const final = finalSpan({ traceId, spanId });
    const merged = dedupeRecords([running, other, final]);
    expect(merged).toHaveLength(2);
    const mine = merged.find((span) => span.record.execution.spanId === spanId)!;
    expect(mine.originals).toEqual([running, final]);
  });

  it('lets a final record beat a running one, whichever comes first', () => {
    const running = runningSpan({ traceId, spanId, execution: { name: 'started name' } });
    const final = finalSpan({ traceId, spanId, execution: { name: 'final name' } });
    for (const batch of [
      [running, final],
      [final, running],
    ]) {
      const [merged] = dedupeRecords(batch);
      expect(merged!.record.execution.status).toBe('completed');
      expect(merged!.record.execution.name).toBe('final name');
      expect(merged!.record.performance).not.toBeNull();
    }
  });

  it('fills what the final record lacks from an earlier running record, and only that', () => {
    const running = runningSpan({ traceId, spanId, execution: { input: '{"from":"start"}', userId: 'u-start' } });
    const final = finalSpan({ traceId, spanId, execution: { input: null, userId: 'u-end' } });
    const [merged] = dedupeRecords([running, final]);
    expect(merged!.record.execution.input).toBe('{"from":"start"}');
    expect(merged!.record.execution.userId).toBe('u-end');
  });

  it('ignores a running record that arrives after the final one, as the upsert guard does', () => {
    const final = finalSpan({ traceId, spanId, execution: { input: null } });
    const lateRunning = runningSpan({ traceId, spanId, execution: { input: '{"late":true}' } });
    const [merged] = dedupeRecords([final, lateRunning]);
    expect(merged!.record).toBe(final);
  });

  it('replaces an earlier final with a later final (re-delivery)', () => {
    const first = finalSpan({ traceId, spanId, execution: { output: '{"v":1}' } });
    const second = finalSpan({ traceId, spanId, execution: { output: '{"v":2}' } });
    const [merged] = dedupeRecords([first, second]);
    expect(merged!.record.execution.output).toBe('{"v":2}');
  });

  it('merges two running records by filling gaps of the first', () => {
    const first = runningSpan({ traceId, spanId, execution: { tenantId: null, userId: 'u1' } });
    const second = runningSpan({ traceId, spanId, execution: { tenantId: 'acme', userId: 'u2' } });
    const [merged] = dedupeRecords([first, second]);
    expect(merged!.record.execution.status).toBe('running');
    expect(merged!.record.execution.tenantId).toBe('acme');
    expect(merged!.record.execution.userId).toBe('u1');
  });

  it('sorts by key so concurrent writers take row locks in the same order', () => {
    const records = Array.from({ length: 50 }, () => finalSpan({ traceId: newTraceId() }));
    const keys = dedupeRecords(records).map((span) => spanKey(span.record.execution));
    expect(keys).toEqual([...keys].sort());
  });
});
