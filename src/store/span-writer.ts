import type { PoolClient } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { copyFromStdin } from './copy-from-stdin';
import { dedupeRecords, spanKey, type MergedSpan } from './dedupe-records';
import { describeDatabaseError, isRowDataError, isTransientError, SpanWriteError, sqlStateOf } from './errors';
import type { SpanRecord } from './records';
import { buildCopyStatements, encodeCopyChunk, isCopyable, type CopyStatements } from './span-copy';
import { buildSpanUpsertSql, toPayloadRow } from './span-upsert-sql';
import { buildSubtreeTotalsSql } from './subtree-totals-sql';
import { LOCK_TRACES_SQL, TRACE_LOCK_NAMESPACE, traceLockBucket, traceLockBuckets } from './trace-locks';
import { untraced } from './untraced';

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
   * database CPU), falling back to the upsert for a chunk COPY cannot take. `upsert`: the JSON-fed upsert for
   * everything. `auto` (default): `copy`, unless the server is PGlite, whose socket server cannot receive COPY data.
   */
  loadMethod?: LoadMethod;
}

export type LoadMethod = 'auto' | 'copy' | 'upsert';

const DEFAULT_CHUNK_SIZE = 5_000;
const DEFAULT_CONCURRENCY = 2;

/**
 * Writes span records in bulk. One write(): records of the same span merged in memory; the batch split by trace
 * into `concurrency` parts; each part one transaction that takes its traces' locks (see trace-locks), upserts its
 * spans into the four tables in chunks of one statement each, and recomputes the subtree totals of the agents above
 * them. Idempotent and safe to retry: the same records twice give the same rows.
 *
 * A record the database refuses for its own data is set aside (its chunk is bisected until the bad records are
 * isolated) and returned in `rejected`; the rest of the batch lands. Any other failure (database down, timeout,
 * deadlock, missing schema) rejects the promise with a SpanWriteError — check isTransientError(). Parts that
 * committed before another part failed stay written; the retry of the whole batch rewrites them identically.
 */
export class SpanWriter {
  private readonly upsertSql: string;
  private readonly totalsSql: string;
  private readonly chunkSize: number;
  private readonly liveTotals: boolean;
  private readonly concurrency: number;
  private readonly copyStatements: CopyStatements;
  /** Whether COPY is used: fixed by the option, or settled by asking the server on the first write. */
  private useCopy: Promise<boolean> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    options: SpanWriterOptions = {},
  ) {
    this.upsertSql = buildSpanUpsertSql(dataSource);
    this.totalsSql = buildSubtreeTotalsSql(dataSource);
    this.chunkSize = Math.max(1, Math.floor(options.chunkSize ?? DEFAULT_CHUNK_SIZE));
    this.liveTotals = options.liveTotals ?? false;
    const poolSize = (dataSource.options as { poolSize?: number }).poolSize ?? DEFAULT_CONCURRENCY;
    this.concurrency = Math.max(1, Math.min(Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY), poolSize));
    this.copyStatements = buildCopyStatements(dataSource);
    const loadMethod = options.loadMethod ?? 'auto';
    if (loadMethod !== 'auto' && loadMethod !== 'copy' && loadMethod !== 'upsert') {
      throw new TypeError(`agentspan: SpanWriter option loadMethod must be 'auto', 'copy' or 'upsert'`);
    }
    if (loadMethod !== 'auto') this.useCopy = Promise.resolve(loadMethod === 'copy');
  }

  write(records: readonly SpanRecord[]): Promise<WriteResult> {
    if (records.length === 0) return Promise.resolve({ written: 0, rejected: [] });
    return untraced(async () => {
      const parts = partitionByTrace(dedupeRecords(records), this.concurrency);
      // allSettled, so no transaction is still running when write() reports a failure.
      const outcomes = await Promise.allSettled(parts.map((part) => this.writeInTransaction(part)));
      const failure = outcomes.find((outcome) => outcome.status === 'rejected');
      if (failure !== undefined) throw toWriteError(failure.reason);
      const rejected = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value : []));
      return { written: records.length - rejected.length, rejected };
    });
  }

  /** Writes one part of a batch in one transaction; returns the records refused for their data. */
  private async writeInTransaction(spans: MergedSpan[]): Promise<WriteResult['rejected']> {
    const rejectedSpans: Array<{ span: MergedSpan; reason: string }> = [];
    let queryRunner: QueryRunner | undefined;
    try {
      queryRunner = this.dataSource.createQueryRunner('master');
      const client = (await queryRunner.connect()) as PoolClient;
      const useCopy = await this.copySupported(queryRunner);
      await queryRunner.startTransaction();
      const traceIds = spans.map((span) => span.record.execution.traceId);
      await queryRunner.query(LOCK_TRACES_SQL, [TRACE_LOCK_NAMESPACE, traceLockBuckets(traceIds)]);
      const copied = useCopy ? spans.filter(isCopyable) : [];
      const upserted = copied.length === 0 ? spans : spans.filter((span) => !isCopyable(span));
      for (let start = 0; start < copied.length; start += this.chunkSize) {
        await this.copyChunk(queryRunner, client, copied.slice(start, start + this.chunkSize), rejectedSpans);
      }
      for (let start = 0; start < upserted.length; start += this.chunkSize) {
        await this.writeChunk(queryRunner, upserted.slice(start, start + this.chunkSize), rejectedSpans);
      }
      const accepted = rejectedSpans.length === 0 ? spans : withoutRejected(spans, rejectedSpans);
      if (accepted.length > 0) {
        const [traceIds, spanIds] = totalsSeeds(accepted);
        await queryRunner.query(this.totalsSql, [traceIds, spanIds, this.liveTotals]);
      }
      await queryRunner.commitTransaction();
    } catch (error) {
      if (queryRunner?.isTransactionActive) {
        await queryRunner.rollbackTransaction().catch(() => undefined);
      }
      throw toWriteError(error);
    } finally {
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
   * Streams a chunk of new spans into the four tables with COPY, inside a savepoint. If the database refuses the
   * chunk for its data — a span already stored (a re-delivery) or a bad value — the chunk is rolled back and
   * written by the upsert instead, which merges with what is stored and sets bad rows aside.
   */
  private async copyChunk(
    queryRunner: QueryRunner,
    client: PoolClient,
    chunk: MergedSpan[],
    rejected: Array<{ span: MergedSpan; reason: string }>,
  ): Promise<void> {
    const { data, refused } = encodeCopyChunk(chunk);
    await queryRunner.query('SAVEPOINT agentspan_copy');
    try {
      if (data.executions.length > 0) await copyFromStdin(client, this.copyStatements.executions, data.executions);
      if (data.performance.length > 0) await copyFromStdin(client, this.copyStatements.performance, data.performance);
      if (data.decisions.length > 0) await copyFromStdin(client, this.copyStatements.decisions, data.decisions);
      if (data.events.length > 0) await copyFromStdin(client, this.copyStatements.events, data.events);
      await queryRunner.query('RELEASE SAVEPOINT agentspan_copy');
    } catch (error) {
      if (!isRowDataError(error)) throw error;
      await queryRunner.query('ROLLBACK TO SAVEPOINT agentspan_copy');
      await queryRunner.query('RELEASE SAVEPOINT agentspan_copy');
      await this.writeChunk(queryRunner, chunk, rejected);
      return;
    }
    if (refused.length > 0) await this.writeChunk(queryRunner, refused, rejected);
  }

  /**
   * Upserts a chunk inside a savepoint. When the database refuses data, the chunk is rolled back and split in two,
   * recursively, until each bad span stands alone and is rejected; the good halves are written.
   */
  private async writeChunk(
    queryRunner: QueryRunner,
    chunk: MergedSpan[],
    rejected: Array<{ span: MergedSpan; reason: string }>,
  ): Promise<void> {
    await queryRunner.query('SAVEPOINT agentspan_chunk');
    try {
      await queryRunner.query(this.upsertSql, [JSON.stringify(chunk.map((span) => toPayloadRow(span.record)))]);
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
    await this.writeChunk(queryRunner, chunk.slice(0, middle), rejected);
    await this.writeChunk(queryRunner, chunk.slice(middle), rejected);
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
  for (const span of spans) groups[traceLockBucket(span.record.execution.traceId) % parts]!.push(span);
  return groups.filter((group) => group.length > 0);
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
  const written = new Set(spans.map((span) => span.key));
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

/** A failed write as an error safe to log: SQLSTATE and message, no SQL parameters. */
function toWriteError(error: unknown): SpanWriteError {
  if (error instanceof SpanWriteError) return error;
  return new SpanWriteError(`agentspan: span write failed: ${describeDatabaseError(error)}`, {
    sqlState: sqlStateOf(error),
    transient: isTransientError(error),
  });
}
