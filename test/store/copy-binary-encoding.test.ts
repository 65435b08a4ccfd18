import { CopyBinaryRows, NotCopyableError } from '../../src/store/write/copy-binary';
import { dedupeRecords } from '../../src/store/write/dedupe-records';
import type { SpanRecord } from '../../src/model/records';
import { encodeCopyChunk, isCopyable } from '../../src/store/write/span-copy';
import {
  asFloat8,
  asInt4,
  asInt8,
  asJsonb,
  asNumeric,
  asText,
  asTimestamptz,
  asUuid,
  readCopyBinary,
} from '../support/copy-binary-reader';
import { finalSpan, llmSpan, newTraceId, runningSpan } from '../support/span-records';

/** One row written by `write`, read back. */
function oneRow(write: (rows: CopyBinaryRows) => void, fields: number): Array<Buffer | null> {
  const rows = new CopyBinaryRows(8);
  rows.row(fields);
  write(rows);
  const [row, ...rest] = readCopyBinary(rows.bytes());
  expect(rest).toEqual([]);
  expect(row).toHaveLength(fields);
  return row!;
}

describe('CopyBinaryRows', () => {
  it('frames rows with the PGCOPY signature, field counts, lengths and the trailer, growing past its first size', () => {
    const rows = new CopyBinaryRows(4);
    for (let i = 0; i < 1_000; i++) {
      rows.row(2);
      rows.text(`row ${i}`);
      rows.null();
    }
    const read = readCopyBinary(rows.bytes());
    expect(read).toHaveLength(1_000);
    expect(read[999]!.map(asText)).toEqual(['row 999', null]);
    expect(rows.rows).toBe(1_000);
  });

  it('gives no data at all for no rows (not even a header)', () => {
    expect(new CopyBinaryRows().bytes().length).toBe(0);
  });

  it.each([
    ['plain ASCII', 'plain'],
    ['the empty string', ''],
    ['tabs, newlines and backslashes, which binary COPY carries as they are', 'a\tb\nc\rd\\N \\.'],
    ['non-ASCII text', 'ünïcødé 🚀 \u2028'],
    ['long ASCII text', 'x'.repeat(10_000)],
    ['long non-ASCII text', 'ü🚀'.repeat(5_000)],
  ])('writes %s as UTF-8', (_, value) => {
    expect(asText(oneRow((rows) => rows.text(value), 1)[0]!)).toBe(value);
  });

  it.each([
    ['a NUL in short text', 'a\u0000b'],
    ['a NUL in long text', `${'x'.repeat(100)}\u0000`],
    ['a lone high surrogate', 'x\ud800'],
    ['a lone low surrogate in long text', `\udc00${'x'.repeat(100)}`],
  ])('refuses %s, which PostgreSQL cannot hold or UTF-8 would change', (_, value) => {
    expect(() => new CopyBinaryRows().text(value)).toThrow(NotCopyableError);
    expect(() => new CopyBinaryRows().jsonb(`"${value}"`)).toThrow(NotCopyableError);
  });

  it('writes jsonb as version 1 and the JSON text, and NULL for null', () => {
    const [json, missing] = oneRow((rows) => {
      rows.jsonb('{"a":"ü"}');
      rows.jsonb(null);
    }, 2);
    expect(json![0]).toBe(1);
    expect(asJsonb(json!)).toBe('{"a":"ü"}');
    expect(missing).toBeNull();
  });

  it('writes integers and doubles in network order; NaN and infinities are NULL and -0 is 0, as JSON would send them', () => {
    const row = oneRow((rows) => {
      rows.int4(-2_147_483_648);
      rows.int4(2_147_483_647);
      rows.int8(Number.MAX_SAFE_INTEGER);
      rows.int8(-5);
      rows.float8(-0.5);
      rows.float8(1e-7);
      rows.float8(NaN);
      rows.int4(Infinity);
      rows.int8(null);
    }, 9);
    expect([asInt4(row[0]!), asInt4(row[1]!)]).toEqual([-2_147_483_648, 2_147_483_647]);
    expect([asInt8(row[2]!), asInt8(row[3]!)]).toEqual([BigInt(Number.MAX_SAFE_INTEGER), -5n]);
    expect([asFloat8(row[4]!), asFloat8(row[5]!)]).toEqual([-0.5, 1e-7]);
    expect(row.slice(6)).toEqual([null, null, null]);
    const [negativeZero] = oneRow((rows) => rows.float8(-0), 1);
    expect(Object.is(asFloat8(negativeZero!), 0)).toBe(true);
  });

  it('refuses integers its column cannot take as they are (a fraction, an overflow), for the upsert to judge', () => {
    expect(() => new CopyBinaryRows().int4(1.5)).toThrow(NotCopyableError);
    expect(() => new CopyBinaryRows().int4(2 ** 31)).toThrow(NotCopyableError);
    expect(() => new CopyBinaryRows().int8(2 ** 53)).toThrow(NotCopyableError);
  });

  it('writes numerics and timestamps; refuses text in other forms; an invalid Date is NULL', () => {
    const row = oneRow((rows) => {
      rows.numeric('0.0012500000');
      rows.timestamptz('2026-11-22T04:30:42.123456Z');
      rows.timestamptz(new Date('1970-01-01T00:00:00.001Z'));
      rows.timestamptz(new Date(NaN));
    }, 4);
    expect(asNumeric(row[0]!)).toBe('0.0012500000');
    expect(asTimestamptz(row[1]!)).toBe('2026-11-22T04:30:42.123456Z');
    expect(asTimestamptz(row[2]!)).toBe('1970-01-01T00:00:00.001000Z');
    expect(row[3]).toBeNull();
    expect(() => new CopyBinaryRows().numeric('1e-5')).toThrow(NotCopyableError);
    expect(() => new CopyBinaryRows().timestamptz('yesterday')).toThrow(NotCopyableError);
    expect(() => new CopyBinaryRows().timestamptz(new Date('+010000-01-01T00:00:00.000Z'))).toThrow(NotCopyableError);
  });

  it('writes time-ordered version 7 uuids, and the same uuid again for child rows', () => {
    const parent = new CopyBinaryRows();
    const child = new CopyBinaryRows();
    const before = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      parent.row(1);
      const at = parent.newUuid();
      child.row(1);
      child.sameUuid(parent, at);
    }
    const parents = readCopyBinary(parent.bytes()).map((row) => asUuid(row[0]!)!);
    const children = readCopyBinary(child.bytes()).map((row) => asUuid(row[0]!)!);
    ids.push(...parents);
    expect(children).toEqual(parents);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    const millis = parseInt(ids[0]!.slice(0, 8) + ids[0]!.slice(9, 13), 16);
    expect(millis).toBeGreaterThanOrEqual(before);
    expect(millis).toBeLessThanOrEqual(Date.now());
    const times = ids.map((id) => id.slice(0, 13));
    expect([...times].sort()).toEqual(times); // made later, sorted later
  });

  it('drops everything written since the last mark on rewind', () => {
    const rows = new CopyBinaryRows();
    rows.row(1);
    rows.text('kept');
    rows.mark();
    rows.row(1);
    rows.text('dropped');
    rows.rewind();
    rows.row(1);
    rows.text('after');
    expect(readCopyBinary(rows.bytes()).map((row) => asText(row[0]!))).toEqual(['kept', 'after']);
    expect(rows.rows).toBe(2);
  });
});

describe('encodeCopyChunk', () => {
  it('writes each column of the four tables, the same execution id on the execution and its child rows', () => {
    const traceId = newTraceId();
    const llm = llmSpan(
      traceId,
      'aaaaaaaaaaaaaaaa',
      {},
      { startedAt: '2026-11-22T04:30:42.000001Z', qualityScore: 90 },
    );
    llm.events = [
      { ordinal: 0, level: 'info', message: 'first', attributes: null, occurredAt: '2026-11-22T04:30:42.000001Z' },
      {
        ordinal: 0,
        level: 'warn',
        message: 'same ordinal, later',
        attributes: '{"a":1}',
        occurredAt: '2026-11-22T04:30:42.000002Z',
      },
    ];
    llm.decisions = [
      {
        ordinal: 0,
        name: 'route',
        choice: '"fast"',
        alternatives: null,
        reasoning: 'cheap',
        confidence: 0.75,
        context: null,
        occurredAt: '2026-11-22T04:30:42.000003Z',
      },
    ];
    const { data, refused } = encodeCopyChunk(dedupeRecords([llm]));
    expect(refused).toEqual([]);
    const [execution] = readCopyBinary(data.executions);
    const [performance] = readCopyBinary(data.performance);
    const [decision] = readCopyBinary(data.decisions);
    const events = readCopyBinary(data.events);
    expect(execution).toHaveLength(25); // the 22 columns of the first schema, metrics, instrumentation_scope, sdk_language
    const id = asUuid(execution![0]!);
    expect(execution!.slice(1, 9).map(asText)).toEqual([
      traceId,
      llm.execution.spanId,
      'aaaaaaaaaaaaaaaa',
      'llm',
      'chat gpt-4o',
      'ResearchAgent',
      '1.0',
      'completed',
    ]);
    expect(asTimestamptz(execution![9]!)).toBe('2026-11-22T04:30:42.000001Z');
    expect(asTimestamptz(execution![10]!)).toBe('2026-11-01T10:00:01.500000Z');
    expect(asJsonb(execution![13]!)).toBe('{"topic":"AI"}');
    expect(asFloat8(execution![15]!)).toBe(90);
    expect(asJsonb(execution![20]!)).toBe('{"issueNumber":123}');
    expect(execution![22]).toBeNull();

    expect(performance).toHaveLength(26);
    expect(asUuid(performance![0]!)).toBe(id);
    expect(asText(performance![1]!)).toBe(traceId); // in the key: the run's shard when distributed
    const figures = performance!.slice(1);
    expect(asFloat8(figures[1]!)).toBe(120);
    expect(figures.slice(5, 10).map(asInt4)).toEqual([100, 20, 10, 0, 5]);
    expect(asNumeric(figures[10]!)).toBe('0.0012500000');
    expect(figures.slice(11, 13).map(asText)).toEqual(['calculated', 'provided']);
    expect(figures[13]).toBeNull();
    expect(figures[14]).toEqual(Buffer.from([1])); // counted
    // No totals given for this span: the ten totals columns stay null.
    expect(figures.slice(15)).toEqual(Array(10).fill(null));

    expect(decision).toHaveLength(13);
    expect(asUuid(decision![1]!)).toBe(id);
    expect(asUuid(decision![0]!)).not.toBe(id);
    expect(asFloat8(decision![10]!)).toBe(0.75);
    // The last event of an ordinal wins, as in the upsert.
    expect(events).toHaveLength(1);
    expect(asUuid(events[0]![1]!)).toBe(id);
    expect(events[0]!.slice(2, 4).map(asText)).toEqual([traceId, llm.execution.spanId]);
    expect(asInt4(events[0]![4]!)).toBe(0);
    expect(events[0]!.slice(5, 7).map(asText)).toEqual(['warn', 'same ordinal, later']);
    expect(asTimestamptz(events[0]![8]!)).toBe('2026-11-22T04:30:42.000002Z');
  });

  it('writes the totals it is given into the ten totals columns', () => {
    const agent = finalSpan({ traceId: newTraceId(), kind: 'agent' });
    const totals = {
      inputTokens: 3_000_000_000,
      outputTokens: 20,
      cacheReadTokens: null,
      cacheWriteTokens: 0,
      reasoningTokens: 5,
      costUsd: '12.5000000000',
      llmCalls: 4,
      toolCalls: 3,
      errors: 1,
      unknownCostCalls: 0,
    };
    const { data } = encodeCopyChunk(dedupeRecords([agent]), () => totals);
    const [row] = readCopyBinary(data.performance);
    const performance = row!.slice(1); // after execution_id, trace_id
    expect(performance!.slice(15, 20).map(asInt8)).toEqual([3_000_000_000n, 20n, null, 0n, 5n]);
    expect(asNumeric(performance![20]!)).toBe('12.5000000000');
    expect(performance!.slice(21).map(asInt4)).toEqual([4, 3, 1, 0]);
  });

  it('leaves out a span with a value COPY would change, with all its rows, and returns it as refused', () => {
    const traceId = newTraceId();
    const clean = llmSpan(traceId, 'aaaaaaaaaaaaaaaa');
    const withNul = llmSpan(traceId, 'aaaaaaaaaaaaaaaa', {}, { errorMessage: 'bad\u0000byte' });
    withNul.events = [
      {
        ordinal: 0,
        level: 'info',
        message: 'kept out too',
        attributes: null,
        occurredAt: '2026-11-22T04:30:42.000001Z',
      },
    ];
    const spans = dedupeRecords([clean, withNul]);
    const { data, refused } = encodeCopyChunk(spans);
    expect(refused.map((span) => span.record)).toEqual([withNul]);
    expect(readCopyBinary(data.executions)).toHaveLength(1);
    expect(readCopyBinary(data.performance)).toHaveLength(1);
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
