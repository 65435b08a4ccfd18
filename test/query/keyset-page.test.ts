import { AgentspanQueryError } from '../../src/query/agentspan-query-error';
import { addRowsAfter, decodeCursor, encodeCursor, splitPage } from '../../src/query/keyset-page';
import { SqlConditions } from '../../src/query/sql-conditions';

const position = { at: '2026-05-01T09:20:03.123456Z', id: '0f8e1b7c-2a4d-4e6f-8a9b-1c2d3e4f5a6b' };
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('cursor', () => {
  it('round-trips a position, microseconds included, as opaque URL-safe text', () => {
    const cursor = encodeCursor('runs', position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(position.id);
    expect(decodeCursor('history', 'runs', cursor)).toEqual(position);
  });

  it('belongs to one listing', () => {
    const cursor = encodeCursor('decisions', position);
    expect(decodeCursor('decisions', 'decisions', cursor)).toEqual(position);
    expect(() => decodeCursor('history', 'runs', cursor)).toThrow(new AgentspanQueryError('history: invalid cursor'));
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('{oops').toString('base64url')],
    ['an object', encode({ at: position.at, id: position.id })],
    ['too short', encode(['r', position.at])],
    ['a millisecond timestamp', encode(['r', '2026-05-01T09:20:03.123Z', position.id])],
    ['an impossible date', encode(['r', '2026-13-01T09:20:03.123456Z', position.id])],
    ['a date a Date would roll over', encode(['r', '2026-02-30T09:20:03.123456Z', position.id])],
    ['hour 24', encode(['r', '2026-02-01T24:00:00.000000Z', position.id])],
    ['a SQL fragment for an id', encode(['r', position.at, "x' OR '1'='1"])],
    ['an upper-case id', encode(['r', position.at, position.id.toUpperCase()])],
    ['huge', 'A'.repeat(10_000)],
    ['a number', 42],
  ])('refuses a cursor that is %s', (_, cursor) => {
    let error: unknown;
    try {
      decodeCursor('history', 'runs', cursor);
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(AgentspanQueryError);
    expect((error as Error).message).toBe('history: invalid cursor');
  });
});

describe('addRowsAfter', () => {
  it('adds the keyset condition with the position as parameters, never as SQL text', () => {
    const where = new SqlConditions();
    where.add(`e.kind = 'agent'`);
    addRowsAfter(where, 'e.started_at', 'e.id', position);
    expect(where.toSql()).toBe(
      `WHERE (e.kind = 'agent') AND (e.started_at <= $1::timestamptz AND (e.started_at < $1::timestamptz OR e.id < $2::uuid))`,
    );
    expect(where.parameters).toEqual([position.at, position.id]);
  });
});

describe('splitPage', () => {
  const rows = Array.from({ length: 4 }, (_, i) => ({
    cursorAt: `2026-05-01T09:20:0${i}.000000Z`,
    cursorId: position.id,
    i,
  }));

  it('keeps `limit` rows and points the cursor at the last one kept when there are more', () => {
    const page = splitPage('runs', rows, 3);
    expect(page.rows.map((row) => row.i)).toEqual([0, 1, 2]);
    expect(decodeCursor('history', 'runs', page.nextCursor)).toEqual({ at: rows[2]!.cursorAt, id: position.id });
  });

  it('has no cursor when the extra row did not come back', () => {
    expect(splitPage('runs', rows, 4)).toEqual({ rows, nextCursor: null });
    expect(splitPage('runs', [], 4)).toEqual({ rows: [], nextCursor: null });
  });
});
