import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AgentRunRepository } from '../query/agent-run-repository';
import { tenantArgument } from '../query/query-arguments';
import { VERSION } from '../version';
import { registerAnalyticsTools } from './analytics-tools';
import type { DatabaseLease } from './database-lease';
import { registerDecisionTools } from './decision-tools';
import { registerHealthTool } from './health-tool';
import { registerRunTools } from './run-tools';
import type { ReadOnlyRuns, ToolContext } from './tool-context';

export interface AgentspanMcpOptions {
  /**
   * The database, for each tool call (see databaseLease): opened when needed, tried again after a failure. `use`
   * rejects with a DatabaseUnavailableError (its message is shown to the model, so it has no password) while the
   * database cannot be opened.
   */
  readonly database: Pick<DatabaseLease, 'use'>;
  /** Pins every tool to this tenant: tools read through `forTenant(tenant)` and take no tenantId argument. */
  readonly tenant?: string;
  /** Where the data is, for the health tool: a URL with its password masked, or the embedded database's directory. */
  readonly where?: string;
}

/** What the server says in its instructions to the client: what it holds and how the tools fit together. */
const INSTRUCTIONS =
  'agentspan records AI agent runs (OpenTelemetry traces) in PostgreSQL. Start with list_runs (filters: agent, ' +
  'status, userId, sessionId, metadata, since such as "24h", errorContains), open one with get_run(traceId); ' +
  'top_errors, run_stats, cost_breakdown and list_sessions summarise many runs; health says whether the database ' +
  'answers. Read-only. Long values are cut with "…[cut N chars]"; lists page with nextCursor.';

/**
 * The agentspan MCP server: read-only tools over the runs (list_runs, get_run, list_sessions, list_decisions,
 * decision_stats, run_stats, cost_breakdown, top_errors, health), not yet connected to a transport. Throws an
 * AgentspanQueryError for a tenant id that cannot be one.
 */
export function createAgentspanMcpServer(options: AgentspanMcpOptions): McpServer {
  const tenant = options.tenant === undefined ? undefined : tenantArgument('mcp', options.tenant);
  const context: ToolContext = {
    tenant,
    where: options.where,
    read: (work) =>
      options.database.use((dataSource) => {
        const repository = new AgentRunRepository(dataSource);
        // Pinned here, for every tool: a tenantId argument naming another tenant is refused by the view.
        const runs: ReadOnlyRuns = tenant === undefined ? repository : repository.forTenant(tenant);
        return work(runs, dataSource);
      }),
  };
  const server = new McpServer(
    { name: 'agentspan', title: 'agentspan: agent runs', version: VERSION },
    { instructions: INSTRUCTIONS },
  );
  registerRunTools(server, context);
  registerAnalyticsTools(server, context);
  registerDecisionTools(server, context);
  registerHealthTool(server, context);
  return server;
}
