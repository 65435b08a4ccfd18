import type { PoolClient } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { isRowDataError, SpanWriteError, toSpanWriteError } from '../connection/errors';
import type { SpanRecord } from '../../model/records';
import { untraced } from '../../internal/untraced';
import { upsertCarefully, type RejectedSpan } from './careful-upsert';
import { closeOnAbort } from './close-on-abort';
import { copyFromStdin } from './copy-from-stdin';
import { planCopy, settleStoredTraces, type CopyPlan } from './copy-plan';
import { dedupeRecords, type MergedSpan } from './dedupe-records';
import { priceWrittenSpans } from './price-written-spans';
import { RunChangeLog } from './run-change-log';
import { buildCopyStatements, type CopyChunk, type CopyStatements } from './span-copy';
import { buildSpanUpsertSql } from './span-upsert-sql';
import {
  checkSpanWriterOptions,
  DEFAULT_CONCURRENCY,
  type LoadMethod,
  type SpanWriterOptions,
} from './span-writer-options';
import { buildStoredTracesSql, totalsSeeds } from './subtree-totals-sql';
import { shardGroups, tableLayoutOf, tablesArePartitioned, type TableLayout } from '../schema/table-layout';
import { buildTotalsStatements, refreshSubtreeTotals, type TotalsStatements } from './subtree-totals';
import { LOCK_TRACES_SQL, TRACE_LOCK_NAMESPACE, traceLockBuckets } from './trace-locks';
import { distinctTraceIds, partitionByTrace } from './trace-parts';
import { upsertPayload } from './upsert-payload';

export { checkSpanWriterOptions, type LoadMethod, type SpanWriterOptions } from './span-writer-options';

export interface WriteResult {
  /** Records stored (or merged into what is stored): every record given that is not in `rejected`. */
  written: number;
  /** Records the database refused for their own data (bad JSON, CHECK violated, value too long, …). */
  rejected: Array<{ record: SpanRecord; reason: string }>;
}

/**
 * Writes span records in bulk. One write(): records of the same span merged in memory; the batch split by trace
 * into `concurrency` parts; each part one transaction that prices its LLM calls and encodes its rows first, then
 * takes its traces' locks (see trace-locks), streams its new spans in with COPY and upserts the others (agents
 * completing a stored `running` row) in chunks of one statement each, and recomputes the subtree totals of the agents
 * above them, and logs what it changed about runs for watch() (see run-change-log). The locks are held only while the
 * database works. Idempotent and safe to retry: the same records twice give the same rows (a retried batch whose parts
 * partly committed logs their run changes again).
 *
 * A record the database refuses for its own data is set aside (the part is written again the careful way, each
 * chunk bisected until the bad records are isolated) and returned in `rejected`; the rest of the batch lands. Any
 * other failure (database down, timeout, deadlock, missing schema) rejects the promise with a SpanWriteError — check
 * isTransientError(). Parts that committed before another part failed stay written; the retry of the whole batch
 * rewrites them identically.
 */
export class SpanWriter {
  /** The upsert for tables without and with time partitions. */
  private readonly upsertSql: { plain: string; partitioned: string };
  private readonly totals: TotalsStatements;
  private readonly storedTracesSql: string;
  private readonly copyStatements: CopyStatements;
  private readonly chunkSize: number;
  private readonly liveTotals: boolean;
  private readonly concurrency: number;
  private readonly statementTimeoutMs: number;
  private readonly loadMethod: LoadMethod;
  /** Logs run changes for watch(), when the option runChanges is on. */
  private readonly changeLog: RunChangeLog | undefined;
  private readonly notify: boolean;
  /** Whether the server is PGlite (no COPY, nobody to NOTIFY) and how the tables are laid out: asked once. */
  private facts: Promise<ServerFacts> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    options: SpanWriterOptions = {},
  ) {
    const checked = checkSpanWriterOptions(options);
    this.upsertSql = { plain: buildSpanUpsertSql(dataSource), partitioned: buildSpanUpsertSql(dataSource, true) };
    this.totals = buildTotalsStatements(dataSource);
    this.storedTracesSql = buildStoredTracesSql(dataSource);
    this.copyStatements = buildCopyStatements(dataSource);
    this.chunkSize = checked.chunkSize;
    this.liveTotals = checked.liveTotals;
    const poolSize = (dataSource.options as { poolSize?: number }).poolSize ?? DEFAULT_CONCURRENCY;
    this.concurrency = Math.max(1, Math.min(checked.concurrency, poolSize));
    this.statementTimeoutMs = checked.statementTimeoutMs;
    this.loadMethod = checked.loadMethod;
    this.changeLog = checked.runChanges ? new RunChangeLog(dataSource, checked.runChangesRetentionMs) : undefined;
    this.notify = checked.notify;
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
      if (failure !== undefined) throw toSpanWriteError(failure.reason);
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
    const rejectedSpans: RejectedSpan[] = [];
    let queryRunner: QueryRunner | undefined;
    let stopWatching: () => void = () => undefined;
    try {
      if (signal?.aborted) throw new SpanWriteError('agentspan: span write abandoned', { transient: true });
      queryRunner = this.dataSource.createQueryRunner('master');
      const client = (await queryRunner.connect()) as PoolClient;
      stopWatching = closeOnAbort(signal, client);
      const { pglite, layout, partitioned } = await this.serverFacts(queryRunner);
      const upsertSql = partitioned ? this.upsertSql.partitioned : this.upsertSql.plain;
      const useCopy = mode === 'fast' && (this.loadMethod === 'auto' ? !pglite : this.loadMethod === 'copy');
      await queryRunner.startTransaction();
      // The price table is read before the transaction's limits are set (with the locks, below): one round trip
      // fewer; a read of a few dozen rows that takes no lock, and a hung server is still ended by writeTimeoutMs.
      await priceWrittenSpans(queryRunner, this.dataSource, spans);
      // Everything Node has to compute is done before the trace locks are taken, so a transaction holds them only
      // while the database works, and a write waiting for them has its rows ready to send.
      const plan = useCopy ? await planCopy(spans, this.chunkSize, this.liveTotals) : undefined;
      const upserted = plan?.upserted ?? spans;
      const upsertChunks = chunked(upserted, this.chunkSize);
      const payloads = mode === 'fast' ? upsertChunks.map(upsertPayload) : [];
      let runChanges = this.changeLog?.collect(spans);
      // On Citus: the part's traces by shard, for the statements that must run a shard at a time (see shard-groups).
      const traceIds = distinctTraceIds(spans);
      const groups = await shardGroups(queryRunner, this.dataSource, layout, traceIds);
      await queryRunner.query(LOCK_TRACES_SQL, [
        String(this.statementTimeoutMs),
        TRACE_LOCK_NAMESPACE,
        traceLockBuckets(traceIds),
      ]);
      if (plan !== undefined) {
        // A trace the database holds spans of already (written by an earlier batch or another process) is not whole
        // in this write either: its agents' rows are copied with the Node sums, which the SQL walk below replaces;
        // and a finished agent of such a trace without its start here may have a running row: the upsert takes it.
        const alsoUpserted = await settleStoredTraces(plan, await this.storedTraces(queryRunner, plan, groups));
        for (const chunk of chunked(alsoUpserted, this.chunkSize)) {
          upsertChunks.push(chunk);
          if (mode === 'fast') payloads.push(upsertPayload(chunk));
        }
      }
      const wholeTraces = plan?.wholeTraces;
      let copyChunks = plan?.chunks ?? [];
      for (const data of copyChunks) await this.copyChunk(client, data);
      copyChunks = []; // sent: let the buffers go
      for (let i = 0; i < upsertChunks.length; i++) {
        if (mode === 'fast') await queryRunner.query(upsertSql, payloads[i]);
        else await upsertCarefully(queryRunner, upsertSql, upsertChunks[i]!, rejectedSpans);
      }
      const accepted = rejectedSpans.length === 0 ? spans : withoutRejected(spans, rejectedSpans);
      // Spans of traces whose totals were not computed in Node: the SQL walks from them.
      const summedInSql =
        wholeTraces === undefined
          ? accepted
          : accepted.filter((span) => !wholeTraces.has(span.record.execution.traceId));
      const seeds = totalsSeeds(summedInSql);
      await refreshSubtreeTotals(queryRunner, this.totals, layout, groups, seeds, this.liveTotals);
      // Rows refused (the careful way): their runs did not change.
      if (accepted !== spans) runChanges = this.changeLog?.collect(accepted);
      if (runChanges !== undefined && layout === 'distributed') {
        runChanges = await this.changeLog!.resolveSeeds(client, runChanges, groups);
      }
      // Queued right before the COMMIT, which pg sends the moment it is done (see RunChangeLog.record).
      const logged =
        runChanges && this.changeLog!.record(client, runChanges, this.notify && !pglite).then(noError, asError);
      await queryRunner.commitTransaction();
      // A failed log statement made that COMMIT a ROLLBACK: the write failed.
      const logFailure = await logged;
      if (logFailure !== undefined) throw logFailure;
    } catch (error) {
      if (queryRunner?.isTransactionActive) {
        await queryRunner.rollbackTransaction().catch(() => undefined);
      }
      // The tables may have changed under us (dropped and created again, distributed since): ask again next time.
      if (!isRowDataError(error)) this.facts = undefined;
      // Kept as it is (not wrapped) so writePart can tell a refusal of data from any other failure.
      throw error;
    } finally {
      stopWatching();
      await queryRunner?.release().catch(() => undefined);
    }
    return rejectedSpans.flatMap(({ span, reason }) => span.originals.map((record) => ({ record, reason })));
  }

  /**
   * Settled once per writer (again after a failed write): PGlite's socket server cannot receive COPY data (see
   * loadMethod); on Citus, some statements run a shard at a time; on time partitions, the keys hold the time.
   */
  private serverFacts(queryRunner: QueryRunner): Promise<ServerFacts> {
    this.facts ??= (async (): Promise<ServerFacts> => {
      const rows: Array<{ version?: unknown }> = await queryRunner.query('SELECT version() AS version');
      const pglite = String(rows[0]?.version ?? '').includes('PGlite');
      const layout = pglite ? 'single' : await tableLayoutOf(queryRunner, this.dataSource);
      return { pglite, layout, partitioned: await tablesArePartitioned(queryRunner, this.dataSource) };
    })().catch((error: unknown) => {
      this.facts = undefined; // ask again on the next write
      throw error;
    });
    return this.facts;
  }

  /**
   * The traces of which the database holds spans already, among those with agent totals computed in Node (their
   * totals may miss those spans) and those of lone finished agents (which may have a running row). Asked under the
   * traces' locks, before the write adds any (see buildStoredTracesSql).
   */
  private async storedTraces(
    queryRunner: QueryRunner,
    plan: CopyPlan,
    groups: readonly string[][],
  ): Promise<Set<string>> {
    const traceIds = new Set(plan.loneAgents.traceIds);
    // A trace without a finished agent has nothing to sum, and no parent elsewhere: nothing for the SQL either.
    for (const [traceId, trace] of plan.wholeTraces) if (trace.agents.size > 0) traceIds.add(traceId);
    const stored = new Set<string>();
    if (traceIds.size === 0) return stored;
    for (const group of groups) {
      const asked = group.filter((traceId) => traceIds.has(traceId));
      if (asked.length === 0) continue;
      const rows: Array<{ trace_id: string }> = await queryRunner.query(this.storedTracesSql, [asked]);
      for (const row of rows) stored.add(row.trace_id);
    }
    return stored;
  }

  /** Streams an encoded chunk of new spans into the four tables. */
  private async copyChunk(client: PoolClient, data: CopyChunk): Promise<void> {
    if (data.executions.length > 0) await copyFromStdin(client, this.copyStatements.executions, data.executions);
    if (data.performance.length > 0) await copyFromStdin(client, this.copyStatements.performance, data.performance);
    if (data.decisions.length > 0) await copyFromStdin(client, this.copyStatements.decisions, data.decisions);
    if (data.events.length > 0) await copyFromStdin(client, this.copyStatements.events, data.events);
  }
}

interface ServerFacts {
  pglite: boolean;
  layout: TableLayout;
  /** Whether the tables are partitioned by time (see connection/partition). */
  partitioned: boolean;
}

const noError = (): undefined => undefined;
const asError = (error: unknown): unknown => error ?? new Error('agentspan: logging run changes failed');

function withoutRejected(spans: MergedSpan[], rejected: readonly RejectedSpan[]): MergedSpan[] {
  const bad = new Set(rejected.map(({ span }) => span));
  return spans.filter((span) => !bad.has(span));
}

/** `items` in slices of `size`. */
function chunked<T>(items: readonly T[], size: number): T[][] {
  const slices: T[][] = [];
  for (let start = 0; start < items.length; start += size) slices.push(items.slice(start, start + size));
  return slices;
}
