import type { DataSource } from 'typeorm';
import { qualifiedTableName } from '../store/schema/table-names';
import { untraced } from '../internal/untraced';
import { AgentspanQueryError } from './agentspan-query-error';
import { describeValue, isStorableText, optionsObject, timeBound } from './query-arguments';
import { dateOrNull, numberOrNull, stringOrNull } from './sql-values';
import type { ModelPriceInput, ModelPriceView, TimeBound } from './types';

const PRICE_OPTIONS: readonly (keyof ModelPriceInput)[] = [
  'model',
  'provider',
  'inputUsdPerMillion',
  'outputUsdPerMillion',
  'cacheReadUsdPerMillion',
  'cacheWriteUsdPerMillion',
  'reasoningUsdPerMillion',
  'validFrom',
  'source',
];
/** What the price columns hold and what keeps a cost within its column (see chk_model_prices_prices). */
const MAX_PRICE = 100_000;
/** Advisory lock key of price changes ("agsppric"), so two concurrent changes of one model do not interleave. */
const PRICE_LOCK_KEY = '7018705471040285027';

const PRICE_COLUMNS = `id AS "priceId", model_pattern AS "model", provider AS "provider",
  input_usd_per_mtok::text AS "input", output_usd_per_mtok::text AS "output",
  cache_read_usd_per_mtok::text AS "cacheRead", cache_write_usd_per_mtok::text AS "cacheWrite",
  reasoning_usd_per_mtok::text AS "reasoning",
  CASE WHEN valid_from = '-infinity' THEN NULL ELSE valid_from END AS "validFrom", valid_to AS "validTo",
  source AS "source"`;

/**
 * The price table: the prices valid at an instant, and new prices. A new price never edits history: it is a row
 * valid from its `validFrom` (default now), which ends the validity of the price it replaces (same model pattern and
 * provider) at that instant; stored costs change only when repriceRuns is asked to price a range again.
 */
export class PriceCatalog {
  private readonly prices: string;

  constructor(private readonly dataSource: DataSource) {
    this.prices = qualifiedTableName(dataSource, 'model_prices');
  }

  async setModelPrice(price: ModelPriceInput): Promise<ModelPriceView> {
    const method = 'setModelPrice';
    if (price === undefined || price === null) {
      throw new AgentspanQueryError(
        `${method}: price must be an object with model, inputUsdPerMillion and outputUsdPerMillion`,
      );
    }
    const given = optionsObject<ModelPriceInput>(method, 'price', price, PRICE_OPTIONS);
    const model = pattern(method, given.model);
    const provider = optionalText(method, 'provider', given.provider, 128)?.toLowerCase() ?? null;
    const input = usdPerMillion(method, 'inputUsdPerMillion', given.inputUsdPerMillion, true);
    const output = usdPerMillion(method, 'outputUsdPerMillion', given.outputUsdPerMillion, true);
    const cacheRead = usdPerMillion(method, 'cacheReadUsdPerMillion', given.cacheReadUsdPerMillion, false);
    const cacheWrite = usdPerMillion(method, 'cacheWriteUsdPerMillion', given.cacheWriteUsdPerMillion, false);
    const reasoning = usdPerMillion(method, 'reasoningUsdPerMillion', given.reasoningUsdPerMillion, false);
    const validFrom = timeBound(method, 'validFrom', given.validFrom) ?? new Date().toISOString();
    const source = optionalText(method, 'source', given.source, 1024);
    const same = `model_pattern = $1::text AND provider IS NOT DISTINCT FROM $2::text`;
    return untraced(() =>
      this.dataSource.transaction(async (manager) => {
        await manager.query(`SELECT pg_advisory_xact_lock($1::bigint)`, [PRICE_LOCK_KEY]);
        const values = [model, provider, validFrom, input, output, cacheRead, cacheWrite, reasoning, source];
        const replaced: Array<Record<string, unknown>> = await manager.query(
          // Wrapped in a SELECT: TypeORM hands back [rows, count] for a bare UPDATE … RETURNING.
          `WITH replaced AS (
             UPDATE ${this.prices} SET input_usd_per_mtok = $4::numeric, output_usd_per_mtok = $5::numeric,
               cache_read_usd_per_mtok = $6::numeric, cache_write_usd_per_mtok = $7::numeric,
               reasoning_usd_per_mtok = $8::numeric, source = $9::text
             WHERE ${same} AND valid_from = $3::timestamptz
             RETURNING *
           )
           SELECT ${PRICE_COLUMNS} FROM replaced`,
          values,
        );
        if (replaced.length > 0) return toModelPriceView(replaced[0]!);
        // The price in force at validFrom ends there; the new one lasts until the next later price, if any.
        await manager.query(
          `UPDATE ${this.prices} SET valid_to = $3::timestamptz
           WHERE ${same} AND valid_from < $3::timestamptz AND (valid_to IS NULL OR valid_to > $3::timestamptz)`,
          [model, provider, validFrom],
        );
        const inserted: Array<Record<string, unknown>> = await manager.query(
          `INSERT INTO ${this.prices} (model_pattern, provider, valid_from, input_usd_per_mtok, output_usd_per_mtok,
             cache_read_usd_per_mtok, cache_write_usd_per_mtok, reasoning_usd_per_mtok, source, valid_to)
           SELECT $1::text, $2::text, $3::timestamptz, $4::numeric, $5::numeric, $6::numeric, $7::numeric, $8::numeric,
             $9::text,
             (SELECT min(valid_from) FROM ${this.prices} WHERE ${same} AND valid_from > $3::timestamptz)
           RETURNING ${PRICE_COLUMNS}`,
          values,
        );
        return toModelPriceView(inserted[0]!);
      }),
    );
  }

  /** The prices valid at `at` (default now), by model pattern and provider. */
  async modelPrices(options?: { at?: TimeBound }): Promise<ModelPriceView[]> {
    const method = 'modelPrices';
    const given = optionsObject<{ at?: TimeBound }>(method, 'options', options, ['at']);
    const at = timeBound(method, 'at', given.at) ?? new Date().toISOString();
    const rows: Array<Record<string, unknown>> = await untraced(() =>
      this.dataSource.query(
        `SELECT ${PRICE_COLUMNS} FROM ${this.prices}
         WHERE valid_from <= $1::timestamptz AND (valid_to IS NULL OR valid_to > $1::timestamptz)
         ORDER BY model_pattern, provider NULLS FIRST`,
        [at],
      ),
    );
    return rows.map(toModelPriceView);
  }
}

function toModelPriceView(row: Record<string, unknown>): ModelPriceView {
  return {
    priceId: numberOrNull(row.priceId)!,
    model: String(row.model),
    provider: stringOrNull(row.provider),
    inputUsdPerMillion: numberOrNull(row.input)!,
    outputUsdPerMillion: numberOrNull(row.output)!,
    cacheReadUsdPerMillion: numberOrNull(row.cacheRead),
    cacheWriteUsdPerMillion: numberOrNull(row.cacheWrite),
    reasoningUsdPerMillion: numberOrNull(row.reasoning),
    validFrom: dateOrNull(row.validFrom),
    validTo: dateOrNull(row.validTo),
    source: stringOrNull(row.source),
  };
}

/** A model name or pattern: lower-cased, `*` the only wildcard; a pattern of nothing but wildcards prices everything. */
function pattern(method: string, value: unknown): string {
  const text = optionalText(method, 'model', value, 256);
  if (text === undefined) throw new AgentspanQueryError(`${method}: model must be a non-empty string, got undefined`);
  if (text.replace(/\*/g, '').trim() === '') {
    throw new AgentspanQueryError(
      `${method}: model must name a model, not only wildcards, got ${describeValue(value)}`,
    );
  }
  return text.toLowerCase();
}

function optionalText(method: string, name: string, value: unknown, width: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > width || !isStorableText(value)) {
    throw new AgentspanQueryError(
      `${method}: ${name} must be a string of 1 to ${width} characters without NUL or lone surrogates, got ${describeValue(value)}`,
    );
  }
  return value;
}

function usdPerMillion(method: string, name: string, value: unknown, required: boolean): number | null {
  if (!required && (value === undefined || value === null)) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_PRICE) {
    throw new AgentspanQueryError(
      `${method}: ${name} must be a number of US dollars per million tokens from 0 to ${MAX_PRICE}, got ${describeValue(value)}`,
    );
  }
  return value;
}
