import type { DataSource } from 'typeorm';
import { AgentRunRepository } from '../../../src/query/agent-run-repository';
import { startUiServer, type UiServer } from '../../../src/ui/server/ui-server';
import type { UiServerOptions } from '../../../src/ui/server/ui-server-options';

/** A dashboard server over a store, on a free port; `tenant` pins it as `agentspan ui --tenant` does. */
export async function serveUi(
  dataSource: DataSource,
  options: UiServerOptions & { tenant?: string } = {},
): Promise<UiServer> {
  const { tenant, ...serverOptions } = options;
  const repository = new AgentRunRepository(dataSource);
  return startUiServer(
    {
      runs: repository,
      dataSource: async () => dataSource,
      tenant,
    },
    { port: 0, ...serverOptions },
  );
}

/** A JSON request to the server: status, headers and parsed body. */
export async function api(
  server: UiServer,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(new URL(path, server.url), { redirect: 'manual', ...init });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (a page, an event stream).
  }
  return { status: response.status, headers: response.headers, body };
}
