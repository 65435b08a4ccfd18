import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for finding runs by what they were about (issue 17), partial on agent rows like the other run indexes, so
 * the far more numerous tool and LLM rows do not pay for them on insert:
 *
 * - idx_agent_executions_metadata: GIN with jsonb_path_ops over metadata, for containment (`metadata @> '{"repo":
 *   "acme/api"}'`). jsonb_path_ops indexes hashes of key paths and values: smaller and faster than the default
 *   jsonb_ops, and containment is the only operator the queries use on it.
 * - idx_agent_executions_session_started: (session_id, started_at), for a session's runs (the sessionId filter,
 *   sessions()), like the user and tenant indexes.
 *
 * IF NOT EXISTS, so an operator can build them beforehand with CREATE INDEX CONCURRENTLY on a large, busy table (a
 * migration runs in a transaction, which CONCURRENTLY cannot) and this migration then finds them there.
 */
export class AddRunContextIndexes1797163200000 implements MigrationInterface {
  name = 'AddRunContextIndexes1797163200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const table = qualifier(queryRunner)('agent_executions');
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS idx_agent_executions_metadata ON ${table}
       USING gin (metadata jsonb_path_ops) WHERE kind = 'agent'`,
    );
    await queryRunner.query(
      `CREATE INDEX IF NOT EXISTS idx_agent_executions_session_started ON ${table} (session_id, started_at)
       WHERE kind = 'agent' AND session_id IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const index = qualifier(queryRunner);
    await queryRunner.query(`DROP INDEX IF EXISTS ${index('idx_agent_executions_session_started')}`);
    await queryRunner.query(`DROP INDEX IF EXISTS ${index('idx_agent_executions_metadata')}`);
  }
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** Names qualified with the DataSource's schema option, when it has one. Kept local: a migration is frozen. */
function qualifier(queryRunner: QueryRunner): (name: string) => string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  return (name) => (schema ? `${quote(schema)}.${quote(name)}` : quote(name));
}
