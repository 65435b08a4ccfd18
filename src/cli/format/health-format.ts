import type { StoreHealth } from '../../query/health-query';

/** `agentspan health` as rows of what and value. */
export function healthRows(where: string, health: StoreHealth): Array<Record<string, string>> {
  return [
    { what: 'database', value: where },
    { what: 'agent runs', value: String(health.runs) },
    { what: 'running now', value: String(health.running) },
    { what: 'failed', value: String(health.failed) },
    { what: 'executions', value: String(health.executions) },
    { what: 'latest start', value: health.latestStart === null ? '—' : health.latestStart.toISOString() },
    {
      what: 'rollups refreshed',
      value: health.rollupsRefreshedAt === null ? 'never' : health.rollupsRefreshedAt.toISOString(),
    },
  ];
}
