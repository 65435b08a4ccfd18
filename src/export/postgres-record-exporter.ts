import type { DataSource } from 'typeorm';
import type { SpanRecord } from '../model/records';
import type { WriteResult } from '../pipeline/types';
import { isTransientError } from '../store/connection/errors';
import { StoreConnection, StoreUnavailableError } from '../store/connection/store-connection';
import { abandonStaleRuns } from '../store/maintenance/stale-runs';
import { checkSpanWriterOptions, SpanWriter, type SpanWriterOptions } from '../store/write/span-writer';
import type { RecordExporter } from './record-exporter';
import type { AgentSpanProcessorOptions } from './types';

/**
 * Writes records to PostgreSQL with the store's SpanWriter: bulk, idempotent, LLM calls of unknown cost priced from
 * `model_prices`, agent totals recomputed, rows the database refuses isolated and returned. The connection is opened
 * (and migrated, for agentspan's own) on first use and again after a failure, so the processor can start while the
 * database is down. Building one checks its options and starts nothing.
 */
export class PostgresRecordExporter implements RecordExporter {
  private readonly connection: StoreConnection;
  private readonly writerOptions: SpanWriterOptions | undefined;
  /** The writer of the DataSource the connection last gave: a reopened connection gets a new one. */
  private writer: { dataSource: DataSource; writer: SpanWriter } | undefined;

  constructor(options: Pick<AgentSpanProcessorOptions, 'dataSource' | 'connection' | 'writer'>) {
    this.connection = options.connection ?? connectionOf(options.dataSource);
    checkSpanWriterOptions(options.writer);
    this.writerOptions = options.writer;
  }

  async ready(): Promise<void> {
    await this.noteFailure(() => this.writerFor());
  }

  export(records: SpanRecord[], signal?: AbortSignal): Promise<WriteResult<SpanRecord>> {
    return this.noteFailure(async () => (await this.writerFor()).write(records, { signal }));
  }

  isTransientError(error: unknown): boolean {
    return error instanceof StoreUnavailableError || isTransientError(error);
  }

  async abandonStaleRuns(abandonAfterMs: number): Promise<number> {
    return abandonStaleRuns(await this.connection.dataSource(), { abandonAfterMs });
  }

  /** Tells the connection why a write failed (our tables gone: it migrates again) before passing the failure on. */
  private async noteFailure<R>(write: () => Promise<R>): Promise<R> {
    try {
      return await write();
    } catch (error) {
      this.connection.noteFailure(error);
      throw error;
    }
  }

  private async writerFor(): Promise<SpanWriter> {
    const dataSource = await this.connection.dataSource();
    if (this.writer?.dataSource !== dataSource) {
      this.writer = { dataSource, writer: new SpanWriter(dataSource, this.writerOptions) };
    }
    return this.writer.writer;
  }
}

function connectionOf(dataSource: unknown): StoreConnection {
  const usable =
    typeof dataSource === 'object' &&
    dataSource !== null &&
    typeof (dataSource as DataSource).query === 'function' &&
    (dataSource as DataSource).isInitialized === true;
  if (!usable) {
    throw new TypeError('agentspan: AgentSpanProcessor option dataSource must be an initialized TypeORM DataSource');
  }
  return StoreConnection.of(dataSource as DataSource);
}
