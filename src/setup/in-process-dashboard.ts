import { diag } from '@opentelemetry/api';
import type { DataSource } from 'typeorm';
import { reasonOf, warnOnce } from '../export/first-failure-warnings';
import { startUiServer, type UiServer } from '../ui/server/ui-server';
import type { DashboardOptions } from '../ui/server/ui-server-options';
import type { Runs } from './lazy-runs';

/**
 * The `ui` option: the dashboard served from the application, over telemetry.runs (so a page shows a run as soon as
 * it ended: queries write what the processor holds first) and with the processor's health. Never throws: a port
 * already taken is a warning (AGENTSPAN_UI_UNAVAILABLE) and no dashboard, not an application that does not start.
 */
export async function startInProcessDashboard(
  option: boolean | DashboardOptions | undefined,
  runs: Runs,
  dataSource: () => Promise<DataSource>,
  processHealth: () => unknown,
  warnings: boolean,
): Promise<UiServer | undefined> {
  if (option === undefined || option === false) return undefined;
  const { tenant, ...server } = option === true ? {} : option;
  try {
    const dashboard = await startUiServer({ runs, dataSource, tenant, processHealth }, server);
    // The application decides how long it lives; the dashboard lives as long as it does.
    dashboard.unref();
    return dashboard;
  } catch (error) {
    diag.warn(`agentspan: the dashboard did not start: ${String(error)}`);
    warnOnce(warnings, 'AGENTSPAN_UI_UNAVAILABLE', `agentspan could not start the dashboard: ${reasonOf(error)}`);
    return undefined;
  }
}
