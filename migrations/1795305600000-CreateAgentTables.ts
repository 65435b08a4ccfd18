import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The first schema: agent_executions, agent_performance, agent_decisions, agent_events.
 *
 * Names of constraints and indexes are explicit and mirrored by the entities in src/store/entities.
 *
 * agent_performance is keyed by its execution (1:1): execution_id is its primary key, with no surrogate id — one index
 * and one generated uuid less per span written.
 *
 * agent_performance, agent_decisions and agent_events refer to agent_executions.id through execution_id without a
 * foreign key constraint: checking one on every bulk insert cost 15–25 % of the write throughput. The writer only
 * ever inserts and updates, and sets execution_id from the row it has just upserted; whoever deletes executions must
 * delete their performance, decision and event rows as well. Tables live in
 * the DataSource's `schema` option when one is given, else on the search path. Ids come from gen_random_uuid(),
 * built into PostgreSQL 13+ and PGlite (no uuid-ossp extension needed).
 */
export class CreateAgentTables1795305600000 implements MigrationInterface {
  // Explicit, so the recorded name survives minification of class names.
  name = 'CreateAgentTables1795305600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = qualifier(queryRunner);

    await queryRunner.query(`
      CREATE TABLE ${table('agent_executions')} (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        trace_id varchar(32) NOT NULL,
        span_id varchar(16) NOT NULL,
        parent_span_id varchar(16),
        kind varchar(16) NOT NULL,
        name varchar(1024) NOT NULL,
        agent_name varchar(256),
        agent_version varchar(128),
        status varchar(16) NOT NULL,
        started_at timestamptz NOT NULL,
        completed_at timestamptz,
        error_type varchar(256),
        error_message text,
        input jsonb,
        output jsonb,
        quality_score double precision,
        user_id varchar(256),
        session_id varchar(256),
        tenant_id varchar(256),
        conversation_id varchar(256),
        metadata jsonb,
        service_name varchar(256),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_agent_executions PRIMARY KEY (id),
        CONSTRAINT uq_agent_executions_span UNIQUE (trace_id, span_id),
        CONSTRAINT chk_agent_executions_kind CHECK (kind IN ('agent', 'task', 'tool', 'llm', 'decision', 'other')),
        CONSTRAINT chk_agent_executions_status
          CHECK (status IN ('running', 'completed', 'failed', 'cancelled', 'abandoned')),
        CONSTRAINT chk_agent_executions_quality_score CHECK (quality_score >= 0 AND quality_score <= 100)
      )`);
    // The unique (trace_id, span_id) index also serves "all spans of a trace"; no separate trace_id index.
    // Run indexes are partial on kind = 'agent': tool and LLM rows, the bulk of the inserts, skip them.
    await queryRunner.query(`
      CREATE INDEX idx_agent_executions_started
        ON ${table('agent_executions')} (started_at DESC, id DESC) WHERE kind = 'agent'`);
    await queryRunner.query(`
      CREATE INDEX idx_agent_executions_agent_started
        ON ${table('agent_executions')} (agent_name, started_at DESC) WHERE kind = 'agent'`);
    await queryRunner.query(`
      CREATE INDEX idx_agent_executions_status_started
        ON ${table('agent_executions')} (status, started_at DESC) WHERE kind = 'agent'`);
    await queryRunner.query(`
      CREATE INDEX idx_agent_executions_user_started
        ON ${table('agent_executions')} (user_id, started_at DESC) WHERE kind = 'agent' AND user_id IS NOT NULL`);
    await queryRunner.query(`
      CREATE INDEX idx_agent_executions_tenant_started
        ON ${table('agent_executions')} (tenant_id, started_at DESC) WHERE kind = 'agent' AND tenant_id IS NOT NULL`);
    await queryRunner.query(`
      CREATE INDEX idx_agent_executions_running
        ON ${table('agent_executions')} (started_at) WHERE status = 'running'`);
    await queryRunner.query(`
      CREATE INDEX idx_agent_executions_parent
        ON ${table('agent_executions')} (trace_id, parent_span_id) WHERE parent_span_id IS NOT NULL`);

    await queryRunner.query(`
      CREATE TABLE ${table('agent_performance')} (
        execution_id uuid NOT NULL,
        duration_ms double precision,
        provider varchar(128),
        request_model varchar(256),
        response_model varchar(256),
        input_tokens integer,
        output_tokens integer,
        cache_read_tokens integer,
        cache_write_tokens integer,
        reasoning_tokens integer,
        cost_usd numeric(20, 10),
        cost_source varchar(16) NOT NULL DEFAULT 'unknown',
        total_input_tokens bigint,
        total_output_tokens bigint,
        total_cache_read_tokens bigint,
        total_cache_write_tokens bigint,
        total_reasoning_tokens bigint,
        total_cost_usd numeric(24, 10),
        llm_call_count integer,
        tool_call_count integer,
        error_count integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_agent_performance PRIMARY KEY (execution_id),
        CONSTRAINT chk_agent_performance_tokens CHECK (
          input_tokens >= 0 AND output_tokens >= 0 AND cache_read_tokens >= 0 AND cache_write_tokens >= 0
          AND reasoning_tokens >= 0),
        CONSTRAINT chk_agent_performance_cost_source CHECK (cost_source IN ('provided', 'calculated', 'unknown'))
      )`);

    await queryRunner.query(`
      CREATE TABLE ${table('agent_decisions')} (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        execution_id uuid NOT NULL,
        trace_id varchar(32) NOT NULL,
        span_id varchar(16) NOT NULL,
        ordinal integer NOT NULL,
        agent_name varchar(256),
        name varchar(256) NOT NULL,
        choice jsonb,
        alternatives jsonb,
        reasoning text,
        confidence double precision,
        context jsonb,
        outcome jsonb,
        outcome_score double precision,
        occurred_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_agent_decisions PRIMARY KEY (id),
        CONSTRAINT uq_agent_decisions_span_ordinal UNIQUE (trace_id, span_id, ordinal),
        CONSTRAINT chk_agent_decisions_confidence CHECK (confidence >= 0 AND confidence <= 1)
      )`);
    await queryRunner.query(`
      CREATE INDEX idx_agent_decisions_execution ON ${table('agent_decisions')} (execution_id)`);
    await queryRunner.query(`
      CREATE INDEX idx_agent_decisions_agent_confidence ON ${table('agent_decisions')} (agent_name, confidence)`);
    // decisions() lists newest first, for all agents or one.
    await queryRunner.query(`
      CREATE INDEX idx_agent_decisions_occurred ON ${table('agent_decisions')} (occurred_at DESC, id DESC)`);
    await queryRunner.query(`
      CREATE INDEX idx_agent_decisions_agent_occurred ON ${table('agent_decisions')} (agent_name, occurred_at DESC)`);

    await queryRunner.query(`
      CREATE TABLE ${table('agent_events')} (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        execution_id uuid NOT NULL,
        trace_id varchar(32) NOT NULL,
        span_id varchar(16) NOT NULL,
        ordinal integer NOT NULL,
        level varchar(8) NOT NULL,
        message text NOT NULL,
        attributes jsonb,
        occurred_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_agent_events PRIMARY KEY (id),
        CONSTRAINT uq_agent_events_span_ordinal UNIQUE (trace_id, span_id, ordinal),
        CONSTRAINT chk_agent_events_level CHECK (level IN ('debug', 'info', 'warn', 'error'))
      )`);
    await queryRunner.query(`
      CREATE INDEX idx_agent_events_execution ON ${table('agent_events')} (execution_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = qualifier(queryRunner);
    // Children first; their indexes and constraints go with them.
    await queryRunner.query(`DROP TABLE ${table('agent_events')}`);
    await queryRunner.query(`DROP TABLE ${table('agent_decisions')}`);
    await queryRunner.query(`DROP TABLE ${table('agent_performance')}`);
    await queryRunner.query(`DROP TABLE ${table('agent_executions')}`);
  }
}

/** Table names qualified with the DataSource's schema option, when it has one. Kept local: a migration is frozen. */
function qualifier(queryRunner: QueryRunner): (table: string) => string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;
  return (table) => (schema ? `${quote(schema)}.${quote(table)}` : quote(table));
}
