import { Reader, Writer } from 'protobufjs/minimal';
import { sharedString } from '../../src/collect/otlp-protobuf-wire';

/** Length-delimited strings as the OTLP decoder reads them: short ones seen before come back as the same string. */
function readerOf(...texts: string[]): Reader {
  const writer = Writer.create();
  for (const text of texts) writer.string(text);
  return Reader.create(Buffer.from(writer.finish()));
}

it('gives back the very string it made before for a short string seen again, and the right text always', () => {
  const reader = readerOf('gen_ai.operation.name', 'gen_ai.operation.name', 'chat', 'chat', 'Grüße 👋', 'Grüße 👋');
  const first = sharedString(reader);
  const again = sharedString(reader);
  expect(first).toBe('gen_ai.operation.name');
  expect(again).toBe(first);
  expect([sharedString(reader), sharedString(reader)]).toEqual(['chat', 'chat']);
  // Not ASCII: decoded correctly each time (compared as ASCII only, so never mistaken for another string).
  expect([sharedString(reader), sharedString(reader)]).toEqual(['Grüße 👋', 'Grüße 👋']);
  expect(reader.pos).toBe(reader.len);
});

it('reads long strings and strings of the same length and hash neighbourhood exactly', () => {
  const long = 'x'.repeat(200);
  const reader = readerOf(long, 'ab', 'ba', 'ab', '', '');
  expect(sharedString(reader)).toBe(long);
  expect([sharedString(reader), sharedString(reader), sharedString(reader)]).toEqual(['ab', 'ba', 'ab']);
  expect([sharedString(reader), sharedString(reader)]).toEqual(['', '']);
});

it('refuses a string whose length runs past the end of the body', () => {
  const reader = Reader.create(Buffer.from([0x05, 0x61, 0x62]));
  expect(() => sharedString(reader)).toThrow(/runs past the end of the body/);
});
