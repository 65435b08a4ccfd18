import type { DataSource, QueryRunner } from 'typeorm';
import { dedupeRecords, spanKey, type MergedSpan } from './dedupe-records';
import { describeDatabaseError, isRowDataError, isTransientError, SpanWriteError, sqlStateOf } from './errors';
import type { SpanRecord } from './records';
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
}

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
      await queryRunner.connect();
      await queryRunner.startTransaction();
      const traceIds = spans.map((span) => span.record.execution.traceId);
      await queryRunner.query(LOCK_TRACES_SQL, [TRACE_LOCK_NAMESPACE, traceLockBuckets(traceIds)]);
      for (let start = 0; start < spans.length; start += this.chunkSize) {
        await this.writeChunk(queryRunner, spans.slice(start, start + this.chunkSize), rejectedSpans);
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
