import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { DataSource } from 'typeorm';
import { maskUrlsIn } from '../capture/mask-url';
import { queryStoreHealth, queryTenantHealth } from '../query/health-query';
import { describeDatabaseError, sqlStateOf } from '../store/connection/errors';
import { VERSION } from '../version';
import { registerReadOnlyTool } from './read-only-tool';
import type { ToolContext } from './tool-context';
import { DatabaseUnavailableError } from './tool-errors';

/**
 * The health tool: whether the database answers, what it holds, how fresh the hourly rollups are. An unreachable
 * database is its answer (reachable false, and why), not a tool error: that is what the tool is asked.
 */
export function registerHealthTool(server: McpServer, context: ToolContext): void {
  registerReadOnlyTool(server, {
    name: 'health',
    title: 'agentspan health',
    description:
      'Whether agentspan’s database is reachable and migrated, how many agent runs it holds (running, failed), ' +
      'when the latest started, and how far behind the hourly rollups that long-range run_stats read are. Call it ' +
      'when another tool says the database is unavailable.',
    input: {},
    run: () => healthOf(context),
  });
}

async function healthOf(context: ToolContext): Promise<Record<string, unknown>> {
  const where = context.where === undefined ? null : maskUrlsIn(context.where);
  const server = { version: VERSION, tenant: context.tenant ?? null, database: where };
  try {
    return { server, ...(await context.read((_runs, dataSource) => storeHealthOf(dataSource, context.tenant))) };
  } catch (error) {
    if (!(error instanceof DatabaseUnavailableError)) throw error;
    return { server, database: { reachable: false, error: maskUrlsIn(error.message) }, runs: null, rollups: null };
  }
}

async function storeHealthOf(dataSource: DataSource, tenant: string | undefined): Promise<Record<string, unknown>> {
  let health;
  try {
    // The store's counts cover every tenant: a pinned server counts its tenant's runs instead.
    health = tenant === undefined ? await queryStoreHealth(dataSource) : await queryTenantHealth(dataSource, tenant);
  } catch (error) {
    if (sqlStateOf(error) === '42P01') {
      const error = 'no agentspan tables: run `agentspan migrate`';
      return { database: { reachable: true, migrated: false, error }, runs: null, rollups: null };
    }
    return { database: { reachable: false, error: describeDatabaseError(error) }, runs: null, rollups: null };
  }
  const { rollupsRefreshedAt } = health;
  return {
    database: { reachable: true, migrated: true },
    runs: {
      total: health.runs,
      running: health.running,
      failed: health.failed,
      latestStartedAt: health.latestStart,
      ...('executions' in health ? { executions: health.executions } : {}),
    },
    rollups: {
      completeUntil: rollupsRefreshedAt,
      lagMinutes: rollupsRefreshedAt === null ? null : Math.round((Date.now() - rollupsRefreshedAt.getTime()) / 60_000),
    },
  };
}
