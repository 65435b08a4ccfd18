import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * model_prices: list prices per million tokens, by model name pattern and (optionally) provider, each valid from a
 * time until the next price of the same pattern and provider (valid_to, null while current). The writer prices LLM
 * rows of unknown cost from it as it stores them (src/store/price-spans-sql.ts); repriceRuns prices stored rows again.
 *
 * model_pattern is lower case with `*` as the only wildcard (`gpt-4o*` also matches `gpt-4o-2024-08-06`); the pattern
 * with the most literal characters wins, an exact one before a wildcard one of the same length. provider null means
 * any provider; a row with a provider applies only to spans of that provider (lower case), and beats a row without
 * one. A null cache or reasoning price means those tokens cost what input (cache) or output (reasoning) tokens cost.
 *
 * Seeded with the list prices (standard tier, prompts up to 200k tokens, no batch discount) of the major OpenAI,
 * Anthropic and Google models, transcribed on 2026-11-22 from:
 *   - https://docs.anthropic.com/en/docs/about-claude/pricing (cache write = the 5-minute cache write price)
 *   - https://platform.openai.com/docs/pricing (cached input; OpenAI has no cache-write charge)
 *   - https://ai.google.dev/gemini-api/docs/pricing (context caching = cache read; thinking is billed as output)
 * The pages were not all reachable live that day: some figures come from copies of these pages and from summaries
 * quoting them dated 2026-03 to 2026-06. Check them against the pages before relying on them, and correct any with
 * setModelPrice(), which adds a row rather than editing this one. The seeded rows are valid from -infinity: we do not
 * know the history, and a run from before the date is better priced at today's figure than not at all.
 *
 * Frozen: later price changes are new rows (setModelPrice or a later migration), never an edit of this list.
 */
export class CreateModelPrices1796601600000 implements MigrationInterface {
  name = 'CreateModelPrices1796601600000';

  // IF NOT EXISTS and the seed's NOT EXISTS: when our other tables and the migrations table were dropped (and are
  // migrated again, see StoreConnection), the prices, overrides included, are kept rather than failing the migration.
  async up(queryRunner: QueryRunner): Promise<void> {
    const table = qualifier(queryRunner)('model_prices');
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS ${table} (
        id SERIAL NOT NULL,
        provider varchar(128),
        model_pattern varchar(256) NOT NULL,
        input_usd_per_mtok numeric(14, 6) NOT NULL,
        output_usd_per_mtok numeric(14, 6) NOT NULL,
        cache_read_usd_per_mtok numeric(14, 6),
        cache_write_usd_per_mtok numeric(14, 6),
        reasoning_usd_per_mtok numeric(14, 6),
        valid_from timestamptz NOT NULL,
        valid_to timestamptz,
        source varchar(1024),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_model_prices PRIMARY KEY (id),
        CONSTRAINT chk_model_prices_prices CHECK (
          input_usd_per_mtok BETWEEN 0 AND 100000 AND output_usd_per_mtok BETWEEN 0 AND 100000
          AND cache_read_usd_per_mtok BETWEEN 0 AND 100000 AND cache_write_usd_per_mtok BETWEEN 0 AND 100000
          AND reasoning_usd_per_mtok BETWEEN 0 AND 100000),
        CONSTRAINT chk_model_prices_validity CHECK (valid_to > valid_from)
      )`);
    // One parameter for the whole list, as the writer does: no statement text carries a value.
    const rows = SEED.map(([vendor, pattern, input, output, cacheRead, cacheWrite]) => ({
      pattern,
      input,
      output,
      cache_read: cacheRead,
      cache_write: cacheWrite,
      source: SOURCES[vendor],
    }));
    await queryRunner.query(
      `INSERT INTO ${table} (provider, model_pattern, input_usd_per_mtok, output_usd_per_mtok, cache_read_usd_per_mtok,
                             cache_write_usd_per_mtok, valid_from, source)
       SELECT NULL, r.pattern, r.input, r.output, r.cache_read, r.cache_write, '-infinity', r.source
       FROM json_to_recordset($1::json) AS r(pattern text, input numeric, output numeric, cache_read numeric,
                                             cache_write numeric, source text)
       WHERE NOT EXISTS (SELECT 1 FROM ${table} m
                         WHERE m.model_pattern = r.pattern AND m.provider IS NULL AND m.valid_from = '-infinity')`,
      [JSON.stringify(rows)],
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${qualifier(queryRunner)('model_prices')}`);
  }
}

type Vendor = 'openai' | 'anthropic' | 'google';

const SOURCES: Record<Vendor, string> = {
  openai: 'OpenAI list price, https://platform.openai.com/docs/pricing, transcribed 2026-11-22',
  anthropic: 'Anthropic list price, https://docs.anthropic.com/en/docs/about-claude/pricing, transcribed 2026-11-22',
  google:
    'Google list price (prompts up to 200k), https://ai.google.dev/gemini-api/docs/pricing, transcribed 2026-11-22',
};

/**
 * [vendor, pattern, input, output, cache read, cache write] in USD per million tokens. The vendor only names the
 * source: model names do not collide across vendors, so the rows apply whichever provider name a span reports
 * (openai, azure.ai.openai, gcp.vertex_ai, aws.bedrock…); their provider column is null.
 */
const SEED: ReadonlyArray<readonly [Vendor, string, number, number, number | null, number | null]> = [
  ['openai', 'gpt-5.5*', 5, 30, 0.5, null],
  ['openai', 'gpt-5.5-pro*', 30, 180, null, null],
  ['openai', 'gpt-5.4-pro*', 30, 180, null, null],
  ['openai', 'gpt-5-pro*', 15, 120, null, null],
  ['openai', 'gpt-5.4*', 2.5, 15, 0.25, null],
  ['openai', 'gpt-5.4-mini*', 0.75, 4.5, 0.075, null],
  ['openai', 'gpt-5.4-nano*', 0.2, 1.25, 0.02, null],
  ['openai', 'gpt-5.1*', 1.25, 10, 0.125, null],
  ['openai', 'gpt-5*', 1.25, 10, 0.125, null],
  ['openai', 'gpt-5-mini*', 0.25, 2, 0.025, null],
  ['openai', 'gpt-5-nano*', 0.05, 0.4, 0.005, null],
  ['openai', 'gpt-4.1*', 2, 8, 0.5, null],
  ['openai', 'gpt-4.1-mini*', 0.4, 1.6, 0.1, null],
  ['openai', 'gpt-4.1-nano*', 0.1, 0.4, 0.025, null],
  ['openai', 'gpt-4o*', 2.5, 10, 1.25, null],
  ['openai', 'gpt-4o-mini*', 0.15, 0.6, 0.075, null],
  ['openai', 'o1*', 15, 60, 7.5, null],
  ['openai', 'o1-mini*', 1.1, 4.4, 0.55, null],
  ['openai', 'o3-pro*', 20, 80, null, null],
  ['openai', 'o3*', 2, 8, 0.5, null],
  ['openai', 'o3-mini*', 1.1, 4.4, 0.55, null],
  ['openai', 'o4-mini*', 1.1, 4.4, 0.275, null],
  ['anthropic', 'claude-opus-4-6*', 5, 25, 0.5, 6.25],
  ['anthropic', 'claude-opus-4-5*', 5, 25, 0.5, 6.25],
  ['anthropic', 'claude-opus-4-1*', 15, 75, 1.5, 18.75],
  ['anthropic', 'claude-opus-4*', 15, 75, 1.5, 18.75],
  ['anthropic', 'claude-sonnet-4-6*', 3, 15, 0.3, 3.75],
  ['anthropic', 'claude-sonnet-4-5*', 3, 15, 0.3, 3.75],
  ['anthropic', 'claude-sonnet-4*', 3, 15, 0.3, 3.75],
  ['anthropic', 'claude-3-7-sonnet*', 3, 15, 0.3, 3.75],
  ['anthropic', 'claude-3-5-sonnet*', 3, 15, 0.3, 3.75],
  ['anthropic', 'claude-haiku-4-5*', 1, 5, 0.1, 1.25],
  ['anthropic', 'claude-3-5-haiku*', 0.8, 4, 0.08, 1],
  ['anthropic', 'claude-3-haiku*', 0.25, 1.25, 0.03, 0.3],
  ['google', 'gemini-3-pro*', 2, 12, 0.2, null],
  ['google', 'gemini-2.5-pro*', 1.25, 10, 0.125, null],
  ['google', 'gemini-2.5-flash*', 0.3, 2.5, 0.03, null],
  ['google', 'gemini-2.5-flash-lite*', 0.1, 0.4, 0.01, null],
  ['google', 'gemini-2.0-flash*', 0.1, 0.4, 0.025, null],
];

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** Table names qualified with the DataSource's schema option, when it has one. Kept local: a migration is frozen. */
function qualifier(queryRunner: QueryRunner): (table: string) => string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  return (table) => (schema ? `${quote(schema)}.${quote(table)}` : quote(table));
}
