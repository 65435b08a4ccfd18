import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';

const CHANNEL = 'agentspan_runs';

/**
 * The NOTIFY channel of the run changes of a DataSource's tables: one per schema option, so watchers of one schema
 * are not woken by another's writes. A channel name is at most 63 bytes, a schema name may be as long: a schema is
 * named by a hash. A notification only says "read the change log now", so a shared channel (two search paths without
 * a schema option, a hash collision) costs a read that finds nothing, never a missed change.
 */
export function runChangesChannel(dataSource: DataSource): string {
  const schema = (dataSource.options as { schema?: string }).schema;
  if (!schema) return CHANNEL;
  return `${CHANNEL}_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;
}
