import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Writer } from 'protobufjs/minimal';
import { attributesOf, timeOf } from '../../src/collect/otlp-json-request';
import { decodeTraceRequest } from '../../src/collect/otlp-protobuf-request';
import { attributeValueOf } from '../../src/collect/received-request';

/** The two encodings of a request, read into the same values. */
describe('OTLP/JSON values', () => {
  it('reads fixed64 nanoseconds exactly, from a decimal string or a safe number', () => {
    // 2026-12-07T08:00:00.123456789Z: more digits than a double holds as nanoseconds.
    expect(timeOf('1796630400123456789')).toEqual([1796630400, 123456789]);
    expect(timeOf(1_000_000_001)).toEqual([1, 1]);
    expect(timeOf('18446744073709551615')).toEqual([18446744073, 709551615]);
  });

  it('takes a zero, absent or malformed time as no time', () => {
    for (const value of [0, '0', undefined, null, '', '12a', -5, 1.5, '18446744073709551616', {}]) {
      expect([value, timeOf(value)]).toEqual([value, undefined]);
    }
  });

  it('keeps scalars and homogeneous arrays, turns maps and mixed arrays into JSON text', () => {
    const values = attributesOf([
      { key: 's', value: { stringValue: 'a' } },
      { key: 'b', value: { boolValue: false } },
      { key: 'i', value: { intValue: '-42' } },
      { key: 'd', value: { doubleValue: 0.5 } },
      { key: 'nan', value: { doubleValue: 'NaN' } },
      { key: 'bytes', value: { bytesValue: 'AQI=' } },
      { key: 'list', value: { arrayValue: { values: [{ stringValue: 'x' }, { stringValue: 'y' }] } } },
      { key: 'mixed', value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: 1 }] } } },
      {
        key: 'map',
        value: {
          kvlistValue: {
            values: [
              { key: 'model', value: { stringValue: 'gpt' } },
              { key: 'n', value: { intValue: 2 } },
            ],
          },
        },
      },
    ]);
    expect(values).toEqual({
      s: 'a',
      b: false,
      i: -42,
      d: 0.5,
      nan: NaN,
      bytes: 'AQI=',
      list: ['x', 'y'],
      mixed: '["x",1]',
      map: '{"model":"gpt","n":2}',
    });
  });

  it('skips entries without a key or a value and a __proto__ key, and lets a later duplicate win', () => {
    const attributes = attributesOf([
      { key: 'a', value: { stringValue: '1' } },
      { value: { stringValue: 'keyless' } },
      { key: 'empty', value: {} },
      { key: '__proto__', value: { arrayValue: { values: [{ stringValue: 'x' }] } } },
      { key: 'a', value: { stringValue: '2' } },
    ]);
    expect(attributes).toEqual({ a: '2' });
    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
    expect(attributesOf(undefined)).toEqual({});
    expect(attributeValueOf([])).toEqual([]);
  });
});

describe('OTLP/protobuf decoding', () => {
  function encoded(attributes: Record<string, unknown>): Buffer {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider
      .getTracer('t')
      .startSpan('s', { attributes: attributes as never })
      .end();
    return Buffer.from(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!);
  }

  it('reads every attribute type the SDK sends, zeros and empties included', () => {
    const body = encoded({ count: 7, zero: 0, flag: false, ratio: 0.25, empty: '', list: [1, 2], names: ['a'] });
    expect(decodeTraceRequest(body)[0]!.scopes[0]!.spans[0]!.attributes).toEqual({
      count: 7,
      zero: 0,
      flag: false,
      ratio: 0.25,
      empty: '',
      list: [1, 2],
      names: ['a'],
    });
  });

  it('skips fields it does not know, as protobuf requires', () => {
    // Field 99 (varint 1) before the resource spans: tag 99 << 3 = 792, varint 0x98 0x06.
    const body = Buffer.concat([Buffer.from([0x98, 0x06, 0x01]), encoded({ a: 'b' })]);
    expect(decodeTraceRequest(body)[0]!.scopes[0]!.spans[0]!.attributes).toEqual({ a: 'b' });
  });

  it('throws on bytes that are not a request: a length past the end, a truncated body, values nested too deep', () => {
    const body = encoded({ a: 'b' });
    expect(() => decodeTraceRequest(Buffer.from([0x0a, 0x7f, 0x00]))).toThrow(/past the end/);
    expect(() => decodeTraceRequest(body.subarray(0, body.length - 3))).toThrow();
    expect(decodeTraceRequest(requestWithValue(nestedArrays(30)))[0]!.scopes[0]!.spans[0]!.attributes.deep).toMatch(
      /^\[\[\[/,
    );
    expect(() => decodeTraceRequest(requestWithValue(nestedArrays(40)))).toThrow(/nest deeper than 32/);
  });
});

/** An AnyValue of arrays nested `depth` deep around the string "x". */
function nestedArrays(depth: number): Uint8Array {
  let value = Writer.create().uint32(10).string('x').finish();
  for (let level = 0; level < depth; level++) {
    const array = Writer.create().uint32(10).bytes(value).finish();
    value = Writer.create().uint32(42).bytes(array).finish();
  }
  return value;
}

/** A request of one span whose attribute `deep` is this AnyValue (field numbers of opentelemetry-proto). */
function requestWithValue(anyValue: Uint8Array): Buffer {
  const keyValue = Writer.create().uint32(10).string('deep').uint32(18).bytes(anyValue).finish();
  const span = Writer.create()
    .uint32(10)
    .bytes(Buffer.alloc(16, 1))
    .uint32(18)
    .bytes(Buffer.alloc(8, 2))
    .uint32(42)
    .string('s')
    .uint32(57)
    .fixed64(1_000_000_000)
    .uint32(74)
    .bytes(keyValue)
    .finish();
  const scopeSpans = Writer.create().uint32(18).bytes(span).finish();
  const resourceSpans = Writer.create().uint32(18).bytes(scopeSpans).finish();
  return Buffer.from(Writer.create().uint32(10).bytes(resourceSpans).finish());
}
