import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * A node of the local Citus test cluster (scripts/citus-cluster.sh), stopped and started with its own pg_ctl, as the
 * user owning its data directory (`runuser` when the tests run as root, as the script does it). Everything is asked of
 * the running node itself — its data directory, its programs' directory — so nothing about the cluster's state
 * directory is assumed; the node must run on this machine.
 */
export interface CitusNode {
  host: string;
  port: number;
  dataDirectory: string;
  /** Directory of its pg_ctl. */
  binDirectory: string;
  /** The user running it (owner of the data directory). */
  owner: string;
}

/** The `index`th worker of the coordinator at `coordinatorUrl` (in group order), found while it runs. */
export async function citusWorker(coordinatorUrl: string, index = 0): Promise<CitusNode> {
  const workers = await query<{ host: string; port: number }>(
    coordinatorUrl,
    `SELECT nodename AS host, nodeport AS port FROM pg_dist_node
     WHERE groupid <> 0 AND noderole = 'primary' ORDER BY groupid`,
  );
  const worker = workers[index];
  if (worker === undefined) throw new Error(`the cluster has no worker ${index} (${workers.length} workers)`);
  const nodeUrl = new URL(coordinatorUrl);
  nodeUrl.hostname = worker.host;
  nodeUrl.port = String(worker.port);
  const [paths] = await query<{ data: string; bin: string }>(
    nodeUrl.toString(),
    `SELECT current_setting('data_directory') AS data, (SELECT setting FROM pg_config WHERE name = 'BINDIR') AS bin`,
  );
  const dataDirectory = paths!.data;
  let uid: number;
  try {
    uid = statSync(dataDirectory).uid;
  } catch (error) {
    throw new Error(`the worker ${worker.host}:${worker.port} must run on this machine to be restarted: ${error}`, {
      cause: error,
    });
  }
  const owner = uid === process.getuid?.() ? '' : (await run('id', ['-nu', String(uid)])).stdout.trim();
  return { host: worker.host, port: worker.port, dataDirectory, binDirectory: paths!.bin, owner };
}

/** Stops the node (fast shutdown: sessions are ended, open transactions rolled back) and waits until it is down. */
export async function stopNode(node: CitusNode): Promise<void> {
  await pgCtl(node, ['stop', '-m', 'fast', '-w']);
}

/**
 * Starts the node and waits until it takes connections. Its server log goes where scripts/citus-cluster.sh puts it:
 * `<data directory>.log` (<state>/worker1.log for <state>/worker1).
 */
export async function startNode(node: CitusNode): Promise<void> {
  await pgCtl(node, ['start', '-w', '-t', '60', '-l', `${node.dataDirectory}.log`]);
}

/** Whether the node's postmaster runs (pg_ctl status: 0 running, 3 not running). */
export async function nodeIsRunning(node: CitusNode): Promise<boolean> {
  const status = await pgCtl(node, ['status'], [0, 3]);
  return status.code === 0;
}

/** Starts the node if it is not running. */
export async function ensureNodeRunning(node: CitusNode): Promise<void> {
  if (!(await nodeIsRunning(node))) await startNode(node);
}

async function pgCtl(
  node: CitusNode,
  args: string[],
  okCodes: number[] = [0],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const pgCtlPath = join(node.binDirectory, 'pg_ctl');
  const command = [pgCtlPath, '-D', node.dataDirectory, ...args];
  const result =
    node.owner === ''
      ? await run(command[0]!, command.slice(1))
      : await run('runuser', ['-u', node.owner, '--', ...command]);
  if (!okCodes.includes(result.code)) {
    throw new Error(`pg_ctl ${args.join(' ')} exited with ${result.code}: ${result.stderr || result.stdout}`);
  }
  return result;
}

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 90_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr: stderr || (error?.message ?? '') });
    });
  });
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}
