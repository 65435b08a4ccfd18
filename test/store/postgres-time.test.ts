import { postgresMicros } from '../../src/store/postgres-time';

const EPOCH_2000 = Date.UTC(2000, 0, 1);

describe('postgresMicros', () => {
  it.each([
    ['2000-01-01T00:00:00.000000Z', 0],
    ['2000-01-01T00:00:00.000001Z', 1],
    ['1999-12-31T23:59:59.999999Z', -1],
    ['2026-11-22T04:30:42.123456Z', (Date.UTC(2026, 10, 22, 4, 30, 42) - EPOCH_2000) * 1000 + 123_456],
    ['2026-11-22T04:30:42.5Z', (Date.UTC(2026, 10, 22, 4, 30, 42) - EPOCH_2000) * 1000 + 500_000],
    ['2026-11-22T04:30:42.123Z', (Date.UTC(2026, 10, 22, 4, 30, 42) - EPOCH_2000) * 1000 + 123_000],
    ['2026-11-22T04:30:42Z', (Date.UTC(2026, 10, 22, 4, 30, 42) - EPOCH_2000) * 1000],
    ['2024-02-29T12:00:00.000000Z', (Date.UTC(2024, 1, 29, 12) - EPOCH_2000) * 1000],
    ['2000-02-29T00:00:00.000000Z', (Date.UTC(2000, 1, 29) - EPOCH_2000) * 1000],
  ])('reads %s', (text, micros) => {
    expect(postgresMicros(text)).toBe(micros);
  });

  it('is exact to the microsecond far from 2000, where a double is not (a bigint there)', () => {
    expect(postgresMicros('9999-12-31T23:59:59.999999Z')).toBe(252_455_615_999_999_999n);
    expect(postgresMicros('0001-01-01T00:00:00.000001Z')).toBe(-63_082_281_599_999_999n);
    expect(postgresMicros(new Date('9999-12-31T23:59:59.999Z'))).toBe(252_455_615_999_999_000n);
  });

  it('reads Dates of years 1–9999, and gives undefined for an invalid one or one outside them', () => {
    expect(postgresMicros(new Date('2026-11-22T04:30:42.123Z'))).toBe(
      (Date.UTC(2026, 10, 22, 4, 30, 42, 123) - EPOCH_2000) * 1000,
    );
    expect(postgresMicros(new Date('0001-01-01T00:00:00.000Z'))).toBe(-63_082_281_600_000_000n);
    expect(postgresMicros(new Date(NaN))).toBeUndefined();
    // JSON writes these as "+010000-…" and "-000001-…", which PostgreSQL refuses: the upsert decides for them.
    expect(postgresMicros(new Date('+010000-01-01T00:00:00.000Z'))).toBeUndefined();
    expect(postgresMicros(new Date(new Date('0001-01-01T00:00:00.000Z').getTime() - 1))).toBeUndefined();
  });

  it('agrees with Date on random times from year 1 to 9999', () => {
    const first = new Date(0); // Date.UTC would read year 1 as 1901
    first.setUTCFullYear(1, 0, 1);
    const span = Date.UTC(9999, 11, 31) - first.getTime();
    for (let i = 0; i < 2_000; i++) {
      const millis = first.getTime() + Math.floor(Math.random() * span);
      const micros = Math.floor(Math.random() * 1000);
      const text = `${new Date(millis).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`;
      const expected = BigInt(millis - EPOCH_2000) * 1000n + BigInt(micros);
      expect(BigInt(postgresMicros(text)!)).toBe(expected);
    }
  });

  it('reads texts that share their second (read once) as exactly as any other', () => {
    const second = (Date.UTC(2026, 10, 22, 4, 30, 42) - EPOCH_2000) * 1000;
    expect(postgresMicros('2026-11-22T04:30:42.000001Z')).toBe(second + 1);
    expect(postgresMicros('2026-11-22T04:30:42.999999Z')).toBe(second + 999_999);
    expect(postgresMicros('2026-11-22T04:30:42Z')).toBe(second);
    expect(postgresMicros('2026-11-22T04:30:42,123456Z')).toBeUndefined();
    expect(postgresMicros('2026-11-22T04:30:42.12x456Z')).toBeUndefined();
    expect(postgresMicros('2026-11-22T04:30:43.000001Z')).toBe(second + 1_000_001);
  });

  it.each([
    '2026-02-30T00:00:00.000000Z', // no such day
    '2100-02-29T00:00:00.000000Z', // not a leap year
    '2026-13-01T00:00:00.000000Z',
    '2026-11-22T24:00:00.000000Z',
    '2026-11-22T23:60:00.000000Z',
    '2026-11-22T23:59:60.000000Z', // a leap second: PostgreSQL's parser decides
    '2026-11-22T04:30:42.1234567Z', // more than microseconds
    '2026-11-22T04:30:42.Z',
    '2026-11-22 04:30:42.123456Z',
    '2026-11-22T04:30:42.123456+01:00',
    '2026-11-22T04:30:42.123456',
    '+02026-11-22T04:30:42.123456Z',
    '0000-01-01T00:00:00.000000Z',
    '2026-1x-22T04:30:42.123456Z',
    'not a time',
    '',
  ])('leaves %j to PostgreSQL (undefined)', (text) => {
    expect(postgresMicros(text)).toBeUndefined();
  });
});
