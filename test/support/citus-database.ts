import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createAgentspanDataSource } from '../../src/store/connection/data-source';
import { runMigrations } from '../../src/store/connection/migrate';

/**
 * Databases on a Citus cluster (scripts/citus-cluster.sh starts one on loopback), for the integration tests run with
 * `npm run test:citus` (AGENTSPAN_TEST_DISTRIBUTED set, DATABASE_URL the coordinator's) and the Citus tests proper.
 */

/** The URL of the Citus coordinator to test against, or undefined (the Citus tests are then skipped). */
export const citusUrl = (): string | undefined => process.env.AGENTSPAN_CITUS_URL || undefined;

/** Why the Citus tests did not run, for their describe titles. */
export const CITUS_SKIP_REASON = 'skipped: set AGENTSPAN_CITUS_URL (scripts/citus-cluster.sh start <citus-source>)';

/** Whether every test database is to be a distributed one (npm run test:citus). */
export const testsAreDistributed = (): boolean => process.env.AGENTSPAN_TEST_DISTRIBUTED === '1';

/**
 * A new database on the cluster: created on every node (Citus's CREATE DATABASE propagation; its citus extension comes
 * from template1, where scripts/citus-cluster.sh installs it), with the coordinator and the workers of the maintenance
 * database registered in it. With `migrated`, agentspan's tables are created and distributed in it too, so that
 * whatever a test opens on it later finds them current. close() drops it on every node.
 */
export async function createCitusDatabase(
  serverUrl: string,
  options: { migrated: boolean },
): Promise<{ url: string; close(): Promise<void> }> {
  const name = `agentspan_test_${randomBytes(6).toString('hex')}`;
  const nodes = await withClient(serverUrl, async (client) => {
    const { rows } = await client.query<{ host: string; port: number; coordinator: boolean }>(
      `SELECT nodename AS host, nodeport AS port, groupid = 0 AS coordinator FROM pg_dist_node
       WHERE noderole = 'primary' AND isactive ORDER BY groupid`,
    );
    await client.query('SET citus.enable_create_database_propagation = on');
    await client.query(`CREATE DATABASE ${name}`);
    return rows;
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const endConnections = async () => {
    // The coordinator keeps connections to the workers' copies open: end them on every node, or the drop fails there.
    for (const node of nodes) {
      const nodeUrl = new URL(serverUrl);
      nodeUrl.hostname = node.host;
      nodeUrl.port = String(node.port);
      await withClient(nodeUrl.toString(), (client) =>
        client.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        ),
      );
    }
  };
  const close = async () => {
    // A connection can come back between the two (Citus's maintenance daemon, a pool closing late): a few tries.
    for (let attempt = 1; ; attempt++) {
      await endConnections();
      try {
        await withClient(serverUrl, async (client) => {
          await client.query('SET citus.enable_create_database_propagation = on');
          await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        });
        return;
      } catch (error) {
        if (attempt >= 5 || !/is being accessed by other users/.test(String(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  };
  try {
    await withClient(url.toString(), async (client) => {
      for (const node of nodes) {
        if (node.coordinator) await client.query('SELECT citus_set_coordinator_host($1, $2)', [node.host, node.port]);
        else await client.query('SELECT citus_add_node($1, $2)', [node.host, node.port]);
      }
    });
    if (options.migrated) {
      const dataSource = await createAgentspanDataSource({ url: url.toString(), poolSize: 1 });
      try {
        await runMigrations(dataSource, { distributed: true });
      } finally {
        await dataSource.destroy();
      }
    }
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return { url: url.toString(), close };
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
