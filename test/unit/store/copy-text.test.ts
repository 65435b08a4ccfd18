import { copyNumber, copyText, copyTimestamp, CopyRows, NotCopyableError } from '../../../src/store/copy-text';
import { encodeCopyChunk, isCopyable } from '../../../src/store/span-copy';
import { dedupeRecords } from '../../../src/store/dedupe-records';
import type { SpanRecord } from '../../../src/store/records';
import { finalSpan, llmSpan, newTraceId, runningSpan } from '../../support/span-records';

describe('COPY text encoding', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a\tb', 'a\\tb'],
    ['a\nb\rc', 'a\\nb\\rc'],
    ['back\\slash', 'back\\\\slash'],
    ['\\N', '\\\\N'],
    ['\\.', '\\\\.'],
    ['ünï 🚀', 'ünï 🚀'],
  ])('escapes %j as %j', (value, encoded) => {
    expect(copyText(value)).toBe(encoded);
  });

  it('refuses values COPY cannot carry unchanged: a NUL or a lone surrogate; surrogate pairs are fine', () => {
    expect(() => copyText('a\u0000b')).toThrow(NotCopyableError);
    expect(() => copyText('x\ud800')).toThrow(NotCopyableError);
    expect(() => copyText('\udc00x')).toThrow(NotCopyableError);
    expect(copyText('rocket 🚀\tgo')).toBe('rocket 🚀\\tgo');
  });

  it('writes NULL as \\N, distinct from the text "\\N"', () => {
    expect(copyText(null)).toBe('\\N');
    expect(copyText('\\N')).not.toBe(copyText(null));
  });

  it('sends numbers as JSON would: NaN and infinities become NULL', () => {
    expect(copyNumber(42)).toBe('42');
    expect(copyNumber(-0.5)).toBe('-0.5');
    expect(copyNumber(1e-7)).toBe('1e-7');
    expect(copyNumber(null)).toBe('\\N');
    expect(copyNumber(NaN)).toBe('\\N');
    expect(copyNumber(Infinity)).toBe('\\N');
    expect(copyNumber(-Infinity)).toBe('\\N');
  });

  it('keeps microsecond timestamp strings and writes Dates in ISO form; an invalid Date is NULL', () => {
    expect(copyTimestamp('2026-11-22T04:30:42.123456Z')).toBe('2026-11-22T04:30:42.123456Z');
    expect(copyTimestamp(new Date('2026-11-22T04:30:42.123Z'))).toBe('2026-11-22T04:30:42.123Z');
    expect(copyTimestamp(new Date(NaN))).toBe('\\N');
    expect(copyTimestamp(null)).toBe('\\N');
  });

  it('collects rows as UTF-8 lines, growing past its initial size', () => {
    const rows = new CopyRows(4);
    rows.row('a\tb');
    rows.row('ünï 🚀\t\\N');
    expect(rows.bytes().toString('utf8')).toBe('a\tb\nünï 🚀\t\\N\n');
  });
});

describe('encodeCopyChunk', () => {
  it('writes one line per row with the same execution id on the execution and its child rows', () => {
    const traceId = newTraceId();
    const llm = llmSpan(traceId, 'aaaaaaaaaaaaaaaa');
    llm.events = [
      { ordinal: 0, level: 'info', message: 'first', attributes: null, occurredAt: '2026-11-22T04:30:42.000001Z' },
      { ordinal: 0, level: 'warn', message: 'same ordinal, later', attributes: '{"a":1}', occurredAt: '2026-11-22T04:30:42.000002Z' },
    ];
    const { data: chunk, refused } = encodeCopyChunk(dedupeRecords([llm]));
    expect(refused).toEqual([]);
    const [execution] = lines(chunk.executions);
    const [performance] = lines(chunk.performance);
    const events = lines(chunk.events);
    expect(execution).toHaveLength(23); // the 22 columns of the first schema and metrics
    expect(execution!.slice(1, 5)).toEqual([traceId, llm.execution.spanId, 'aaaaaaaaaaaaaaaa', 'llm']);
    expect(performance![0]).toBe(execution![0]);
    expect(performance).toHaveLength(24);
    expect(performance!.slice(10, 14)).toEqual(['0.0012500000', 'calculated', 'provided', '\\N']);
    // No totals given for this span: the ten totals columns stay null.
    expect(performance!.slice(14)).toEqual(Array(10).fill('\\N'));
    // The last event of an ordinal wins, as in the upsert.
    expect(events).toHaveLength(1);
    expect(events[0]!.slice(1, 7)).toEqual([execution![0], traceId, llm.execution.spanId, '0', 'warn', 'same ordinal, later']);
    expect(chunk.decisions.length).toBe(0);
  });

  it('leaves out a span with a value COPY would change, with all its rows, and returns it as refused', () => {
    const traceId = newTraceId();
    const clean = llmSpan(traceId, 'aaaaaaaaaaaaaaaa');
    const withNul = llmSpan(traceId, 'aaaaaaaaaaaaaaaa', {}, { errorMessage: 'bad\u0000byte' });
    withNul.events = [{ ordinal: 0, level: 'info', message: 'kept out too', attributes: null, occurredAt: '2026-11-22T04:30:42.000001Z' }];
    const spans = dedupeRecords([clean, withNul]);
    const { data, refused } = encodeCopyChunk(spans);
    expect(refused.map((span) => span.record)).toEqual([withNul]);
    expect(lines(data.executions)).toHaveLength(1);
    expect(lines(data.performance)).toHaveLength(1);
    expect(data.events.length).toBe(0);
  });

  it('copies agents only when their start is merged into the same batch; running records never', () => {
    const traceId = newTraceId();
    const started = runningSpan({ traceId });
    const ended = finalSpan({ traceId, spanId: started.execution.spanId, kind: 'agent' });
    const byKind = (records: SpanRecord[]) => dedupeRecords(records).map(isCopyable);
    expect(byKind([started, ended])).toEqual([true]);
    expect(byKind([finalSpan({ traceId, kind: 'agent' })])).toEqual([false]);
    expect(byKind([runningSpan({ traceId })])).toEqual([false]);
    expect(byKind([finalSpan({ traceId, kind: 'tool' })])).toEqual([true]);
  });
});

function lines(buffer: Buffer): string[][] {
  return buffer
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'));
}
