import 'reflect-metadata';
import { SpanWriter, type LoadMethod } from '../../../src/store/write/span-writer';
import type { SpanRecord } from '../../../src/model/records';
import { finalSpan, newTraceId } from '../../support/span-records';
import { createStoreFixture, type StoreFixture } from '../../support/store-fixture';

/**
 * The writer is the last line of defence: a record that slipped past the mapping (here handed to SpanWriter
 * directly) with a value the database refuses is isolated by bisecting its chunk and rejected alone, with the
 * database's reason and without its values; every other record of the write is stored.
 */

let store: StoreFixture;

beforeAll(async () => {
  store = await createStoreFixture();
});

afterAll(() => store?.close());

/** Marks every bad value, so a test can tell that no reason carries one. */
const LEAK = 'value-that-must-not-reach-a-log';

const slipped: Array<{ title: string; sqlState: string; record: (traceId: string) => SpanRecord }> = [
  { title: 'input that is not JSON', sqlState: '22P02', record: (traceId) => bad(traceId, { input: `{"${LEAK}":` }) },
  { title: 'a NUL in a text column', sqlState: '22P05', record: (traceId) => bad(traceId, { name: `${LEAK}\u0000` }) },
  {
    title: 'a lone surrogate in a text column',
    sqlState: '22P02',
    record: (traceId) => bad(traceId, { userId: `${LEAK}\ud800` }),
  },
  {
    title: 'a NUL escape in jsonb',
    sqlState: '22P05',
    record: (traceId) => bad(traceId, { output: `"${LEAK}\\u0000"` }),
  },
  {
    title: 'a name longer than its column',
    sqlState: '22001',
    record: (traceId) => bad(traceId, { name: LEAK.repeat(50) }),
  },
  {
    title: 'a quality score out of its CHECK',
    sqlState: '23514',
    record: (traceId) => bad(traceId, { qualityScore: 150 }),
  },
  {
    title: 'a status out of its CHECK',
    sqlState: '23514',
    record: (traceId) => bad(traceId, { status: 'paused' as never }),
  },
  // PostgreSQL quotes refused input of a typed column in its message (`invalid input syntax for type timestamp with
  // time zone: "…"`); the reason leaves the quoted value out.
  {
    title: 'a start time that is not a time',
    sqlState: '22007',
    record: (traceId) => bad(traceId, { startedAt: LEAK }),
  },
  {
    title: 'a token count too large for integer',
    sqlState: '22003',
    record: (traceId) => finalSpan({ traceId, kind: 'llm', performance: { inputTokens: 1e12 } }),
  },
  {
    title: 'a cost too large for numeric(20, 10)',
    sqlState: '22003',
    record: (traceId) => finalSpan({ traceId, kind: 'llm', performance: { costUsd: '1e+21', costSource: 'provided' } }),
  },
  {
    title: 'a decision confidence out of its CHECK',
    sqlState: '23514',
    record: (traceId) => ({
      ...finalSpan({ traceId, kind: 'decision' }),
      decisions: [
        {
          ordinal: 0,
          name: 'route',
          choice: '"a"',
          alternatives: null,
          reasoning: LEAK,
          confidence: 5,
          context: null,
          occurredAt: '2026-11-01T10:00:00.000000Z',
        },
      ],
    }),
  },
];

function bad(traceId: string, execution: Partial<SpanRecord['execution']>): SpanRecord {
  return finalSpan({ traceId, kind: 'task', execution });
}

// Both ways of loading new spans on a server; PGlite cannot take COPY, so there `auto` (the upsert) runs.
const LOAD_METHODS: LoadMethod[] = process.env.DATABASE_URL ? ['copy', 'upsert'] : ['auto'];

it.each(LOAD_METHODS.flatMap((loadMethod) => [1, 7, 5_000].map((chunkSize) => [loadMethod, chunkSize] as const)))(
  'rejects each bad record alone and writes the rest of the batch (loadMethod %s, chunks of %i)',
  async (loadMethod, chunkSize) => {
    const writer = new SpanWriter(store.dataSource, { chunkSize, concurrency: 1, loadMethod });
    const good = Array.from({ length: 40 }, () => finalSpan({ traceId: newTraceId(), kind: 'task' }));
    const bads = slipped.map(({ record }) => record(newTraceId()));
    // Bad records spread through the batch: first, last, neighbours, and in different chunks.
    const batch = [
      bads[0]!,
      ...good.slice(0, 10),
      bads[1]!,
      bads[2]!,
      ...good.slice(10, 25),
      ...bads.slice(3, -1),
      ...good.slice(25),
      bads.at(-1)!,
    ];

    const result = await writer.write(batch);

    expect(result.written).toBe(good.length);
    expect(result.rejected.map(({ record }) => record)).toEqual(expect.arrayContaining(bads));
    expect(result.rejected).toHaveLength(bads.length);
    for (const [index, { sqlState, title }] of slipped.entries()) {
      const { reason } = result.rejected.find(({ record }) => record === bads[index])!;
      expect({ title, reason: reason.slice(0, 5) }).toEqual({ title, reason: sqlState });
      expect(reason).not.toContain(LEAK);
    }
    expect(await storedSpanIds(batch)).toEqual(new Set(good.map((record) => record.execution.spanId)));
  },
);

async function storedSpanIds(records: SpanRecord[]): Promise<Set<string>> {
  const rows = (await store.dataSource.query('SELECT span_id FROM agent_executions WHERE trace_id = ANY($1)', [
    records.map((record) => record.execution.traceId),
  ])) as Array<{ span_id: string }>;
  return new Set(rows.map((row) => row.span_id));
}
