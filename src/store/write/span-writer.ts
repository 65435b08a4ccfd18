import type { PoolClient } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { copyFromStdin } from './copy-from-stdin';
import { dedupeRecords, spanKey, type MergedSpan } from './dedupe-records';
import { priceWrittenSpans } from './price-written-spans';
import { describeDatabaseError, isRowDataError, isTransientError, SpanWriteError, sqlStateOf } from '../connection/errors';
import type { SpanRecord } from '../../model/records';
import { buildCopyStatements, CopyChunkEncoder, isCopyable, type CopyChunk, type CopyStatements } from './span-copy';
import { buildSpanUpsertSql, toPayloadRow } from './span-upsert-sql';
import { batchTotals, type TraceTotals } from './batch-totals';
import { buildStoredTracesSql, buildSubtreeTotalsSql } from './subtree-totals-sql';
import { LOCK_TRACES_SQL, TRACE_LOCK_NAMESPACE, traceLockBucket, traceLockBuckets } from './trace-locks';
import { untraced } from '../../internal/untraced';
import { nextTurn, SPANS_PER_SLICE } from '../../internal/next-turn';

export interface WriteResult {
  /** Records stored (or merged into what is stored): every record given that is not in `rejected`. */
  written: number;
  /** Records the database refused for their own data (bad JSON, CHECK violated, value too long, …). */
  rejected: Array<{ record: SpanRecord; reason: string }>;
}

export interface SpanWriterOptions {
  /**
   * Distinct spans per upsert statement. Bigger is faster up to a point (measured: 5,000 beats 2,000 by ~10 %, 10,000
   * gains nothing more); it also bounds the work redone when a bad row forces a chunk to be bisected. Default 5,000.
   */
  chunkSize?: number;
  /** Also keep the totals of still-running agents current on every write (see subtree-totals-sql). Default false. */
  liveTotals?: boolean;
  /**
   * Connections one write() uses at once. The batch is split by trace into this many parts, each written in its own
   * transaction: PostgreSQL then works on several cores. Default 2, never more than the DataSource's pool size.
   */
  concurrency?: number;
  /**
   * How spans new to the database are loaded. `copy`: streamed with COPY FROM STDIN (see span-copy; about 2.7× less
   * database CPU); a part the database refuses any of is written again with the upsert. `upsert`: the JSON-fed upsert
   * for everything. `auto` (default): `copy`, unless the server is PGlite, whose socket server cannot receive COPY data.
   */
  loadMethod?: LoadMethod;
  /**
   * statement_timeout and idle_in_transaction_session_timeout of the writer's own transactions (SET LOCAL): on a
   * DataSource without timeouts, a write whose client stops answering is ended by the server and its trace locks
   * freed for the retry. 0 turns both off for these transactions. Default 60,000.
   */
  statementTimeoutMs?: number;
}

export type LoadMethod = 'auto' | 'copy' | 'upsert';

const DEFAULT_CHUNK_SIZE = 5_000;
const DEFAULT_STATEMENT_TIMEOUT_MS = 60_000;
const DEFAULT_CONCURRENCY = 2;

/**
 * Writes span records in bulk. One write(): records of the same span merged in memory; the batch split by trace
 * into `concurrency` parts; each part one transaction that prices its LLM calls and encodes its rows first, then
 * takes its traces' locks (see trace-locks), streams its new spans in with COPY and upserts the others (agents
 * completing a stored `running` row) in chunks of one statement each, and recomputes the subtree totals of the agents
 * above them. The locks are held only while the database works. Idempotent and safe to retry: the same records twice
 * give the same rows.
 *
 * A record the database refuses for its own data is set aside (the part is written again the careful way, each
 * chunk bisected until the bad records are isolated) and returned in `rejected`; the rest of the batch lands. Any
 * other failure (database down, timeout, deadlock, missing schema) rejects the promise with a SpanWriteError — check
 * isTransientError(). Parts that committed before another part failed stay written; the retry of the whole batch
 * rewrites them identically.
 */
export class SpanWriter {
  private readonly upsertSql: string;
  private readonly totalsSql: string;
  private readonly storedTracesSql: string;
  private readonly chunkSize: number;
  private readonly liveTotals: boolean;
  private readonly concurrency: number;
  private readonly copyStatements: CopyStatements;
  private readonly statementTimeoutMs: number;
  /** Whether COPY is used: fixed by the option, or settled by asking the server on the first write. */
  private useCopy: Promise<boolean> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    options: SpanWriterOptions = {},
  ) {
    this.upsertSql = buildSpanUpsertSql(dataSource);
    this.totalsSql = buildSubtreeTotalsSql(dataSource);
    this.storedTracesSql = buildStoredTracesSql(dataSource);
    this.chunkSize = Math.max(1, Math.floor(options.chunkSize ?? DEFAULT_CHUNK_SIZE));
    this.liveTotals = options.liveTotals ?? false;
    const poolSize = (dataSource.options as { poolSize?: number }).poolSize ?? DEFAULT_CONCURRENCY;
    this.concurrency = Math.max(1, Math.min(Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY), poolSize));
    this.copyStatements = buildCopyStatements(dataSource);
    const { loadMethod, statementTimeoutMs } = checkSpanWriterOptions(options);
    if (loadMethod !== 'auto') this.useCopy = Promise.resolve(loadMethod === 'copy');
    this.statementTimeoutMs = statementTimeoutMs;
  }

  /**
   * Writes the records. When `signal` is aborted (the caller gave up waiting), the connections of the write are
   * closed, so the server ends its transactions and frees their trace locks for a retry.
   */
  write(records: readonly SpanRecord[], options: { signal?: AbortSignal } = {}): Promise<WriteResult> {
    if (records.length === 0) return Promise.resolve({ written: 0, rejected: [] });
    return untraced(async () => {
      const parts = partitionByTrace(dedupeRecords(records), this.concurrency);
      // allSettled, so no transaction is still running when write() reports a failure.
      const outcomes = await Promise.allSettled(parts.map((part) => this.writePart(part, options.signal)));
      const failure = outcomes.find((outcome) => outcome.status === 'rejected');
      if (failure !== undefined) throw toWriteError(failure.reason);
      const rejected = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value : []));
      return { written: records.length - rejected.length, rejected };
    });
  }

  /**
   * Writes one part of a batch in one transaction, first the fast way: new spans by COPY, the rest upserted, no
   * savepoints — the fewest round trips. If the database refuses any of it for its data (a bad value, a span COPY
   * met already stored), that transaction is rolled back and the part written again the careful way: everything
   * upserted chunk by chunk inside savepoints, bad rows bisected out. Returns the records refused for their data.
   */
  private async writePart(spans: MergedSpan[], signal: AbortSignal | undefined): Promise<WriteResult['rejected']> {
    try {
      return await this.writeInTransaction(spans, 'fast', signal);
    } catch (error) {
      if (!isRowDataError(error)) throw error;
    }
    return this.writeInTransaction(spans, 'careful', signal);
  }

  private async writeInTransaction(
    spans: MergedSpan[],
    mode: 'fast' | 'careful',
    signal: AbortSignal | undefined,
  ): Promise<WriteResult['rejected']> {
    const rejectedSpans: Array<{ span: MergedSpan; reason: string }> = [];
    let queryRunner: QueryRunner | undefined;
    let stopWatching = noop;
    try {
      if (signal?.aborted) throw new SpanWriteError('agentspan: span write abandoned', { transient: true });
      queryRunner = this.dataSource.createQueryRunner('master');
      const client = (await queryRunner.connect()) as PoolClient;
      stopWatching = closeOnAbort(signal, client);
      const useCopy = mode === 'fast' && (await this.copySupported(queryRunner));
      await queryRunner.startTransaction();
      // The price table is read before the transaction's limits are set (with the locks, below): one round trip
      // fewer; a read of a few dozen rows that takes no lock, and a hung server is still ended by writeTimeoutMs.
      await priceWrittenSpans(queryRunner, this.dataSource, spans);
      // Everything Node has to compute is done before the trace locks are taken, so a transaction holds them only
      // while the database works, and a write waiting for them has its rows ready to send.
      let upserted = spans;
      let copyChunks: CopyChunk[] = [];
      let wholeTraces: Map<string, TraceTotals> | undefined;
      if (useCopy) {
        const copied: MergedSpan[] = [];
        upserted = [];
        for (const span of spans) (isCopyable(span) ? copied : upserted).push(span);
        // With liveTotals, running agents get totals too, which only the SQL computes.
        const totals = this.liveTotals ? new Map<string, TraceTotals>() : batchTotals(copied);
        wholeTraces = totals;
        // A trace with a span that goes through the upsert is not whole in the COPY: the SQL sums it.
        for (const span of upserted) totals.delete(span.record.execution.traceId);
        const totalsOf = (span: MergedSpan) => totals.get(span.record.execution.traceId)?.agents.get(span);
        for (let start = 0; start < copied.length; start += this.chunkSize) {
          const end = Math.min(copied.length, start + this.chunkSize);
          const encoder = new CopyChunkEncoder(end - start, totalsOf);
          for (let i = start; i < end; i++) {
            if (i > start && (i - start) % SPANS_PER_SLICE === 0) await nextTurn();
            encoder.add(copied[i]!);
          }
          copyChunks.push(encoder.data());
          // Spans COPY refuses to carry (see CopyBinaryRows) are upserted with the rest.
          for (const span of encoder.refused) totals.delete(span.record.execution.traceId);
          upserted.push(...encoder.refused);
        }
      }
      const upsertChunks: MergedSpan[][] = [];
      for (let start = 0; start < upserted.length; start += this.chunkSize) {
        upsertChunks.push(upserted.slice(start, start + this.chunkSize));
      }
      const payloads = mode === 'fast' ? upsertChunks.map(upsertPayload) : [];
      await queryRunner.query(LOCK_TRACES_SQL, [
        String(this.statementTimeoutMs),
        TRACE_LOCK_NAMESPACE,
        traceLockBuckets(distinctTraceIds(spans)),
      ]);
      if (wholeTraces !== undefined) {
        // A trace the database holds spans of already (written by an earlier batch or another process) is not whole
        // in this write either: its agents' rows are copied with the Node sums, which the SQL walk below replaces.
        for (const traceId of await this.storedTraces(queryRunner, wholeTraces)) wholeTraces.delete(traceId);
      }
      for (const data of copyChunks) await this.copyChunk(client, data);
      copyChunks = []; // sent: let the buffers go
      for (let i = 0; i < upsertChunks.length; i++) {
        if (mode === 'fast') await queryRunner.query(this.upsertSql, [payloads[i]]);
        else await this.upsertChunkCarefully(queryRunner, upsertChunks[i]!, rejectedSpans);
      }
      const accepted = rejectedSpans.length === 0 ? spans : withoutRejected(spans, rejectedSpans);
      // Spans of traces whose totals were not computed in Node: the SQL walks from them.
      const summedInSql =
        wholeTraces === undefined
          ? accepted
          : accepted.filter((span) => !wholeTraces.has(span.record.execution.traceId));
      const [seedTraceIds, seedSpanIds] = totalsSeeds(summedInSql);
      if (seedTraceIds.length > 0) {
        await queryRunner.query(this.totalsSql, [seedTraceIds, seedSpanIds, this.liveTotals]);
      }
      await queryRunner.commitTransaction();
    } catch (error) {
      if (queryRunner?.isTransactionActive) {
        await queryRunner.rollbackTransaction().catch(() => undefined);
      }
      // Kept as it is (not wrapped) so writePart can tell a refusal of data from any other failure.
      throw error;
    } finally {
      stopWatching();
      await queryRunner?.release().catch(() => undefined);
    }
    return rejectedSpans.flatMap(({ span, reason }) => span.originals.map((record) => ({ record, reason })));
  }

  /** Settled once per writer: COPY unless the server is PGlite (see loadMethod). */
  private copySupported(queryRunner: QueryRunner): Promise<boolean> {
    this.useCopy ??= queryRunner.query('SELECT version() AS version').then(
      (rows: Array<{ version?: unknown }>) => !String(rows[0]?.version ?? '').includes('PGlite'),
      (error: unknown) => {
        this.useCopy = undefined; // ask again on the next write
        throw error;
      },
    );
    return this.useCopy;
  }

  /**
   * The traces, among those with agent totals computed in Node, of which the database holds spans already: their
   * totals may miss those spans. Asked under the traces' locks, before the write adds any (see buildStoredTracesSql).
   */
  private async storedTraces(queryRunner: QueryRunner, totals: Map<string, TraceTotals>): Promise<string[]> {
    const traceIds: string[] = [];
    // A trace without a finished agent has nothing to sum, and no parent elsewhere: nothing for the SQL either.
    for (const [traceId, trace] of totals) if (trace.agents.size > 0) traceIds.push(traceId);
    if (traceIds.length === 0) return [];
    const rows: Array<{ trace_id: string }> = await queryRunner.query(this.storedTracesSql, [traceIds]);
    return rows.map((row) => row.trace_id);
  }

  /** Streams an encoded chunk of new spans into the four tables. */
  private async copyChunk(client: PoolClient, data: CopyChunk): Promise<void> {
    if (data.executions.length > 0) await copyFromStdin(client, this.copyStatements.executions, data.executions);
    if (data.performance.length > 0) await copyFromStdin(client, this.copyStatements.performance, data.performance);
    if (data.decisions.length > 0) await copyFromStdin(client, this.copyStatements.decisions, data.decisions);
    if (data.events.length > 0) await copyFromStdin(client, this.copyStatements.events, data.events);
  }

  private async upsertChunk(queryRunner: QueryRunner, chunk: MergedSpan[]): Promise<void> {
    await queryRunner.query(this.upsertSql, [upsertPayload(chunk)]);
  }

  /**
   * Upserts a chunk inside a savepoint. When the database refuses data, the chunk is rolled back and split in two,
   * recursively, until each bad span stands alone and is rejected; the good halves are written.
   */
  private async upsertChunkCarefully(
    queryRunner: QueryRunner,
    chunk: MergedSpan[],
    rejected: Array<{ span: MergedSpan; reason: string }>,
  ): Promise<void> {
    await queryRunner.query('SAVEPOINT agentspan_chunk');
    try {
      await this.upsertChunk(queryRunner, chunk);
      await queryRunner.query('RELEASE SAVEPOINT agentspan_chunk');
      return;
    } catch (error) {
      if (!isRowDataError(error)) throw error;
      await queryRunner.query('ROLLBACK TO SAVEPOINT agentspan_chunk');
      await queryRunner.query('RELEASE SAVEPOINT agentspan_chunk');
      if (chunk.length === 1) {
        rejected.push({ span: chunk[0]!, reason: describeDatabaseError(error) });
        return;
      }
    }
    const middle = Math.ceil(chunk.length / 2);
    await this.upsertChunkCarefully(queryRunner, chunk.slice(0, middle), rejected);
    await this.upsertChunkCarefully(queryRunner, chunk.slice(middle), rejected);
  }
}

/**
 * Splits spans into at most `parts` non-empty groups by trace lock bucket, so every trace (and so every agent
 * subtree total) is written by exactly one transaction and two parts never wait for each other's locks.
 * Sorted order is kept inside each part.
 */
function partitionByTrace(spans: MergedSpan[], parts: number): MergedSpan[][] {
  if (parts === 1 || spans.length < MIN_SPANS_PER_PART * 2) return [spans];
  const groups: MergedSpan[][] = Array.from({ length: parts }, () => []);
  let traceId = '';
  let group: MergedSpan[] = groups[0]!;
  for (const span of spans) {
    // Spans come sorted by trace: the bucket is worked out once per trace.
    if (span.record.execution.traceId !== traceId) {
      traceId = span.record.execution.traceId;
      group = groups[traceLockBucket(traceId) % parts]!;
    }
    group.push(span);
  }
  return groups.filter((candidate) => candidate.length > 0);
}

/** The trace ids of spans sorted by trace, each once. */
function distinctTraceIds(spans: readonly MergedSpan[]): string[] {
  const traceIds: string[] = [];
  for (const span of spans) {
    const traceId = span.record.execution.traceId;
    if (traceIds[traceIds.length - 1] !== traceId) traceIds.push(traceId);
  }
  return traceIds;
}

/**
 * Checks the options a SpanWriter takes, throwing a TypeError naming the bad one; the processor and the setup call it
 * at start, before any write. Returns the load method and statement timeout with their defaults.
 */
export function checkSpanWriterOptions(options: SpanWriterOptions = {}): {
  loadMethod: LoadMethod;
  statementTimeoutMs: number;
} {
  if (options === null || typeof options !== 'object') throw new TypeError('agentspan: writer options must be an object');
  const loadMethod = options.loadMethod ?? 'auto';
  if (loadMethod !== 'auto' && loadMethod !== 'copy' && loadMethod !== 'upsert') {
    throw new TypeError(`agentspan: writer option loadMethod must be 'auto', 'copy' or 'upsert'`);
  }
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  if (!Number.isSafeInteger(statementTimeoutMs) || statementTimeoutMs < 0) {
    throw new TypeError('agentspan: writer option statementTimeoutMs must be a whole number of milliseconds >= 0');
  }
  for (const name of ['chunkSize', 'concurrency'] as const) {
    const value = options[name];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
      throw new TypeError(`agentspan: writer option ${name} must be a positive integer`);
    }
  }
  return { loadMethod, statementTimeoutMs };
}

const noop = (): void => undefined;

/**
 * Ends the client's connection if `signal` is aborted while the write holds it: a statement waiting for an answer
 * fails at once, and the server, seeing the connection close, rolls the transaction back. (A server waiting for COPY
 * data ignores statement_timeout; only the connection closing ends it.) Returns what stops watching.
 */
function closeOnAbort(signal: AbortSignal | undefined, client: PoolClient): () => void {
  if (signal === undefined) return noop;
  const close = () => {
    client.end().catch(() => undefined);
  };
  signal.addEventListener('abort', close, { once: true });
  return () => signal.removeEventListener('abort', close);
}

/** Below this a second connection costs more than it saves. */
const MIN_SPANS_PER_PART = 250;

function withoutRejected(spans: MergedSpan[], rejected: Array<{ span: MergedSpan }>): MergedSpan[] {
  const bad = new Set(rejected.map(({ span }) => span));
  return spans.filter((span) => !bad.has(span));
}

/**
 * Where the totals recompute starts walking up: every agent span written, and the parent of every written span
 * whose parent is not itself in this write (spans whose parent was written are reached through that parent).
 */
function totalsSeeds(spans: readonly MergedSpan[]): [string[], string[]] {
  const written = new Set(spans.map((span) => spanKey(span.record.execution)));
  const seeds = new Set<string>();
  const traceIds: string[] = [];
  const spanIds: string[] = [];
  const add = (traceId: string, spanId: string) => {
    const key = spanKey({ traceId, spanId });
    if (seeds.has(key)) return;
    seeds.add(key);
    traceIds.push(traceId);
    spanIds.push(spanId);
  };
  for (const { record } of spans) {
    const { traceId, spanId, parentSpanId, kind } = record.execution;
    if (kind === 'agent') add(traceId, spanId);
    if (parentSpanId !== null && !written.has(spanKey({ traceId, spanId: parentSpanId }))) add(traceId, parentSpanId);
  }
  return [traceIds, spanIds];
}

/** The JSON parameter of the upsert for a chunk of spans. */
function upsertPayload(chunk: readonly MergedSpan[]): string {
  return JSON.stringify(chunk.map((span) => toPayloadRow(span.record)));
}

/** A failed write as an error safe to log: SQLSTATE and message, no SQL parameters. */
function toWriteError(error: unknown): SpanWriteError {
  if (error instanceof SpanWriteError) return error;
  return new SpanWriteError(`agentspan: span write failed: ${describeDatabaseError(error)}`, {
    sqlState: sqlStateOf(error),
    transient: isTransientError(error),
  });
}
