import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { PriceTable, type PriceRow } from '../../cost/price-table';
import { qualifiedTableName } from '../schema/table-names';

const statements = new WeakMap<DataSource, string>();

/**
 * model_prices as a PriceTable, read in the caller's transaction: one small query (a few dozen rows), so every write
 * prices with the table as it is committed at that moment, in every process, with no cache to keep in sync.
 */
export async function loadPriceTable(runner: QueryRunner | EntityManager, dataSource: DataSource): Promise<PriceTable> {
  let sql = statements.get(dataSource);
  if (sql === undefined) {
    sql = `SELECT id, provider, model_pattern AS "modelPattern", input_usd_per_mtok::text AS input,
                  output_usd_per_mtok::text AS output, cache_read_usd_per_mtok::text AS "cacheRead",
                  cache_write_usd_per_mtok::text AS "cacheWrite", reasoning_usd_per_mtok::text AS reasoning,
                  (extract(epoch FROM valid_from) * 1000000)::float8 AS "validFromMicros",
                  (extract(epoch FROM valid_to) * 1000000)::float8 AS "validToMicros"
           FROM ${qualifiedTableName(dataSource, 'model_prices')}`;
    statements.set(dataSource, sql);
  }
  const rows: Array<Record<string, unknown>> = await runner.query(sql);
  return new PriceTable(
    rows.map((row): PriceRow => ({
      id: Number(row.id),
      provider: row.provider === null ? null : String(row.provider),
      modelPattern: String(row.modelPattern),
      input: String(row.input),
      output: String(row.output),
      cacheRead: row.cacheRead === null ? null : String(row.cacheRead),
      cacheWrite: row.cacheWrite === null ? null : String(row.cacheWrite),
      reasoning: row.reasoning === null ? null : String(row.reasoning),
      validFromMicros: Number(row.validFromMicros),
      validToMicros: row.validToMicros === null ? null : Number(row.validToMicros),
    })),
  );
}
