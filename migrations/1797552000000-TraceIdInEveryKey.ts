import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * trace_id in every key of a run's tables, so they can be distributed by it: Citus requires every unique key to hold
 * the distribution column (a run and all its rows then live on one shard group).
 *
 * - agent_executions, agent_decisions, agent_events: primary key (id, trace_id) instead of (id). The id stays first:
 *   lookups by id alone (a run tree by execution id, an outcome by decision id) still use the key's index, and new
 *   time-ordered ids still append to its right edge instead of landing all over it. Ids stay unique (generated:
 *   time-ordered v7 or gen_random_uuid), only no longer enforced alone.
 * - agent_performance gains trace_id (its execution's) and is keyed (execution_id, trace_id). A performance row whose
 *   execution is gone (none are made; only a hand-made delete leaves one) cannot be given a trace and is deleted.
 *
 * Down restores the single-column keys (on a distributed database, undistribute the tables first).
 */
export class TraceIdInEveryKey1797552000000 implements MigrationInterface {
  name = 'TraceIdInEveryKey1797552000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = qualifier(queryRunner);
    const executions = table('agent_executions');
    const performance = table('agent_performance');
    for (const name of ['agent_executions', 'agent_decisions', 'agent_events']) {
      await queryRunner.query(`ALTER TABLE ${table(name)} DROP CONSTRAINT pk_${name}`);
      await queryRunner.query(`ALTER TABLE ${table(name)} ADD CONSTRAINT pk_${name} PRIMARY KEY (id, trace_id)`);
    }
    await queryRunner.query(`ALTER TABLE ${performance} ADD COLUMN trace_id varchar(32) COLLATE "C"`);
    await queryRunner.query(
      `UPDATE ${performance} p SET trace_id = e.trace_id FROM ${executions} e WHERE e.id = p.execution_id`,
    );
    await queryRunner.query(`DELETE FROM ${performance} WHERE trace_id IS NULL`);
    await queryRunner.query(`ALTER TABLE ${performance} ALTER COLUMN trace_id SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE ${performance} DROP CONSTRAINT pk_agent_performance`);
    await queryRunner.query(
      `ALTER TABLE ${performance} ADD CONSTRAINT pk_agent_performance PRIMARY KEY (execution_id, trace_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = qualifier(queryRunner);
    const performance = table('agent_performance');
    await queryRunner.query(`ALTER TABLE ${performance} DROP CONSTRAINT pk_agent_performance`);
    await queryRunner.query(
      `ALTER TABLE ${performance} ADD CONSTRAINT pk_agent_performance PRIMARY KEY (execution_id)`,
    );
    await queryRunner.query(`ALTER TABLE ${performance} DROP COLUMN trace_id`);
    for (const name of ['agent_executions', 'agent_decisions', 'agent_events']) {
      await queryRunner.query(`ALTER TABLE ${table(name)} DROP CONSTRAINT pk_${name}`);
      await queryRunner.query(`ALTER TABLE ${table(name)} ADD CONSTRAINT pk_${name} PRIMARY KEY (id)`);
    }
  }
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** Table names qualified with the DataSource's schema option, when it has one. Kept local: a migration is frozen. */
function qualifier(queryRunner: QueryRunner): (table: string) => string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  return (table) => (schema ? `${quote(schema)}.${quote(table)}` : quote(table));
}
