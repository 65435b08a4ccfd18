import type { Attributes } from '@opentelemetry/api';
import type { Reader } from 'protobufjs/minimal';
import { done, endOf, LEN_1, LEN_2, sharedString } from './otlp-protobuf-wire';
import { attributeValueOf, isPlainKey, type PlainValue } from './received-request';

/** AnyValues nested deeper than this (arrays in arrays…) make the request malformed: no stack to exhaust. */
const MAX_DEPTH = 32;

/** The key-values of a message whose every `field` is a KeyValue (a Resource's attributes). */
export function keyValuesIn(reader: Reader, end: number, field: number): Attributes {
  const attributes: Attributes = {};
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === field) keyValue(reader, endOf(reader), attributes);
    else reader.skipType(tag & 7);
  }
  done(reader, end);
  return attributes;
}

/** One KeyValue into `attributes`: a later duplicate wins; no key, no value or `__proto__`: skipped. */
export function keyValue(reader: Reader, end: number, attributes: Attributes): void {
  let key: string | undefined;
  let value: PlainValue | undefined;
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === LEN_1) key = sharedString(reader);
    else if (tag === LEN_2) value = anyValue(reader, endOf(reader), 0);
    else reader.skipType(tag & 7);
  }
  done(reader, end);
  if (!isPlainKey(key)) return;
  const attribute = attributeValueOf(value);
  if (attribute !== undefined) attributes[key] = attribute;
}

function anyValue(reader: Reader, end: number, depth: number): PlainValue | undefined {
  if (depth > MAX_DEPTH) throw new RangeError(`values nest deeper than ${MAX_DEPTH} levels`);
  let value: PlainValue | undefined;
  while (reader.pos < end) {
    const tag = reader.uint32();
    switch (tag) {
      case LEN_1:
        value = sharedString(reader);
        break;
      case 2 << 3:
        value = reader.bool();
        break;
      case 3 << 3:
        value = (reader.int64() as unknown as { toNumber(): number }).toNumber();
        break;
      case (4 << 3) | 1:
        value = reader.double();
        break;
      case (5 << 3) | 2:
        value = values(reader, endOf(reader), depth);
        break;
      case (6 << 3) | 2:
        value = keyValueList(reader, endOf(reader), depth);
        break;
      case (7 << 3) | 2:
        value = (reader.bytes() as Buffer).toString('base64');
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  done(reader, end);
  return value;
}

function values(reader: Reader, end: number, depth: number): PlainValue[] {
  const list: PlainValue[] = [];
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag === LEN_1) list.push(anyValue(reader, endOf(reader), depth + 1) ?? null);
    else reader.skipType(tag & 7);
  }
  done(reader, end);
  return list;
}

function keyValueList(reader: Reader, end: number, depth: number): { [key: string]: PlainValue } {
  const object: { [key: string]: PlainValue } = {};
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (tag !== LEN_1) {
      reader.skipType(tag & 7);
      continue;
    }
    const entryEnd = endOf(reader);
    let key: string | undefined;
    let value: PlainValue | undefined;
    while (reader.pos < entryEnd) {
      const field = reader.uint32();
      if (field === LEN_1) key = reader.string();
      else if (field === LEN_2) value = anyValue(reader, endOf(reader), depth + 1);
      else reader.skipType(field & 7);
    }
    done(reader, entryEnd);
    if (isPlainKey(key)) object[key] = value ?? null;
  }
  done(reader, end);
  return object;
}
