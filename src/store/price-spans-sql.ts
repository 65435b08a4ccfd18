import type { DataSource } from 'typeorm';
import { qualifiedTableName } from './table-names';

/**
 * Prices LLM executions from model_prices, set-based: one statement for any number of rows, shared by the writer
 * (the LLM rows it has just stored with an unknown cost) and repriceRuns (every stored LLM row of a time range).
 *
 * $1, $2: trace ids and span ids of the executions to price. Rows that are not LLM calls, and rows whose cost was
 * provided (by the provider, the user or another instrumentation), are left alone: a provided cost wins. For each
 * other row the price is the model_prices row valid at the span's start whose pattern matches its response model
 * (else its request model), the most specific pattern first (most literal characters, an exact pattern before a
 * wildcard one), a row of the span's provider before one for any provider, the newest validity first. The cost is
 * the five disjoint buckets times their prices per million tokens, rounded to the column's 10 places, with
 * cost_source 'calculated' and the price's id; a row without both input and output tokens, or whose model has no
 * price, gets cost null, cost_source 'unknown': an unknown model is never $0. Rows that already hold exactly that
 * are not rewritten.
 */
export function buildPriceSpansSql(dataSource: DataSource): string {
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const performance = qualifiedTableName(dataSource, 'agent_performance');
  const prices = qualifiedTableName(dataSource, 'model_prices');
  // The glob as a LIKE pattern: `%`, `_` and `\` are literal, `*` matches anything.
  const like = `replace(replace(replace(replace(m.model_pattern, '\\', '\\\\'), '%', '\\%'), '_', '\\_'), '*', '%')`;
  const matchesResponse = `coalesce(lower(p.response_model) LIKE ${like}, false)`;
  return `
    WITH targets AS (
      SELECT e.id, e.started_at
      FROM unnest($1::text[], $2::text[]) AS s(trace_id, span_id) CROSS JOIN LATERAL (
        -- LIMIT keeps this a lookup per row on the unique index (see subtree-totals-sql).
        SELECT x.id, x.started_at FROM ${executions} x
        WHERE x.trace_id = s.trace_id AND x.span_id = s.span_id AND x.kind = 'llm' LIMIT 1
      ) e
    ),
    priced AS (
      SELECT p.execution_id, m.id AS price_id,
        round((p.input_tokens * m.input_usd_per_mtok
          + p.output_tokens * m.output_usd_per_mtok
          + coalesce(p.cache_read_tokens, 0) * coalesce(m.cache_read_usd_per_mtok, m.input_usd_per_mtok)
          + coalesce(p.cache_write_tokens, 0) * coalesce(m.cache_write_usd_per_mtok, m.input_usd_per_mtok)
          + coalesce(p.reasoning_tokens, 0) * coalesce(m.reasoning_usd_per_mtok, m.output_usd_per_mtok)
        ) / 1000000, 10) AS cost_usd
      FROM targets t
        JOIN ${performance} p ON p.execution_id = t.id
        LEFT JOIN LATERAL (
          SELECT m.id, m.input_usd_per_mtok, m.output_usd_per_mtok, m.cache_read_usd_per_mtok,
                 m.cache_write_usd_per_mtok, m.reasoning_usd_per_mtok
          FROM ${prices} m
          WHERE p.input_tokens IS NOT NULL AND p.output_tokens IS NOT NULL
            AND (m.provider IS NULL OR m.provider = lower(p.provider))
            AND m.valid_from <= t.started_at AND (m.valid_to IS NULL OR t.started_at < m.valid_to)
            AND (${matchesResponse} OR coalesce(lower(p.request_model) LIKE ${like}, false))
          ORDER BY ${matchesResponse} DESC, length(replace(m.model_pattern, '*', '')) DESC,
                   strpos(m.model_pattern, '*') = 0 DESC, m.provider IS NOT NULL DESC, m.valid_from DESC, m.id DESC
          LIMIT 1
        ) m ON true
      WHERE p.cost_source <> 'provided'
    ),
    updated AS (
      UPDATE ${performance} AS t SET
        cost_usd = q.cost_usd,
        cost_source = CASE WHEN q.price_id IS NULL THEN 'unknown' ELSE 'calculated' END,
        price_id = q.price_id,
        updated_at = now()
      FROM priced q
      WHERE t.execution_id = q.execution_id
        AND (t.cost_usd, t.cost_source, t.price_id) IS DISTINCT FROM
            (q.cost_usd, CASE WHEN q.price_id IS NULL THEN 'unknown' ELSE 'calculated' END, q.price_id)
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM priced)::int AS considered, (SELECT count(*) FROM updated)::int AS updated`;
}
