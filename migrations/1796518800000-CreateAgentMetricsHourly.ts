import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Hourly rollups of agent runs, for analytics over long ranges without reading every run.
 *
 * agent_metrics_hourly: one row per agent and UTC hour (of the runs' start): runs by status, durations (count, sum,
 * avg, min, max, exact p50/p95/p99 of the hour, and a log-scale histogram so percentiles of many hours can be merged
 * within a known error), distinct users, subtree tokens per bucket and cost, failures by error type, and per business
 * metric its count and sum. Runs without an agent name are under ''. Every row is recomputed from raw rows whenever
 * its hour changed, so re-running gives the same row.
 *
 * agentspan_rollup_state: how far the incremental refresh got (a watermark on updated_at).
 *
 * IF NOT EXISTS throughout: the rollups are the one thing worth keeping when agentspan's run tables and its migration
 * table are dropped and migrated again (they may hold hours whose runs were pruned long ago).
 *
 * Two partial indexes let the refresh find changed hours without scanning: agent rows by updated_at, and the
 * performance rows that carry subtree totals (only agents have llm_call_count) by updated_at — a late child changes
 * its agent's totals, not its agent's row. Tool and LLM rows, the bulk of the writes, are in neither.
 */
export class CreateAgentMetricsHourly1796518800000 implements MigrationInterface {
  name = 'CreateAgentMetricsHourly1796518800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = qualifier(queryRunner);
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS ${table('agent_metrics_hourly')} (
        agent_name varchar(256) NOT NULL,
        hour timestamptz NOT NULL,
        total integer NOT NULL,
        succeeded integer NOT NULL,
        failed integer NOT NULL,
        cancelled integer NOT NULL,
        abandoned integer NOT NULL,
        running integer NOT NULL,
        duration_count integer NOT NULL,
        duration_sum_ms double precision,
        duration_avg_ms double precision,
        duration_min_ms double precision,
        duration_max_ms double precision,
        duration_p50_ms double precision,
        duration_p95_ms double precision,
        duration_p99_ms double precision,
        duration_histogram jsonb NOT NULL,
        unique_users integer NOT NULL,
        input_tokens bigint,
        output_tokens bigint,
        cache_read_tokens bigint,
        cache_write_tokens bigint,
        reasoning_tokens bigint,
        cost_usd numeric(30, 10),
        error_counts jsonb NOT NULL,
        metrics jsonb NOT NULL,
        CONSTRAINT pk_agent_metrics_hourly PRIMARY KEY (agent_name, hour)
      )`);
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS idx_agent_metrics_hourly_hour ON ${table('agent_metrics_hourly')} (hour)`,
    );
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS ${table('agentspan_rollup_state')} (
        name varchar(64) NOT NULL,
        watermark timestamptz NOT NULL,
        CONSTRAINT pk_agentspan_rollup_state PRIMARY KEY (name)
      )`);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS idx_agent_executions_agent_updated
        ON ${table('agent_executions')} (updated_at) WHERE kind = 'agent'`);
    await queryRunner.query(`
      CREATE INDEX IF NOT EXISTS idx_agent_performance_totals_updated
        ON ${table('agent_performance')} (updated_at) WHERE llm_call_count IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = qualifier(queryRunner);
    await queryRunner.query(`DROP INDEX ${table('idx_agent_performance_totals_updated')}`);
    await queryRunner.query(`DROP INDEX ${table('idx_agent_executions_agent_updated')}`);
    await queryRunner.query(`DROP TABLE ${table('agentspan_rollup_state')}`);
    await queryRunner.query(`DROP TABLE ${table('agent_metrics_hourly')}`);
  }
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** Names qualified with the DataSource's schema option, when it has one. Kept local: a migration is frozen. */
function qualifier(queryRunner: QueryRunner): (name: string) => string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  return (name) => (schema ? `${quote(schema)}.${quote(name)}` : quote(name));
}
