import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { refreshHourlyRollups } from '../../src/rollups/hourly-rollups';
import { suppressionProbe } from '../support/suppression-probe';
import { at, useAnalyticsFixture } from './analytics-seed';

const fixture = useAnalyticsFixture();
const probe = suppressionProbe();
beforeAll(() => probe.install());
afterAll(() => probe.uninstall());

describe('analytics and rollups never trace themselves', () => {
  it('run every query with tracing suppressed, so a pg instrumentation records none of them', async () => {
    const range = { since: at('10:00:00'), until: at('13:00:00') };
    await context.with(ROOT_CONTEXT, async () => {
      probe.seen.length = 0;
      await refreshHourlyRollups(fixture.store.dataSource);
      await fixture.runs.stats({ groupBy: 'agent', ...range, source: 'raw' });
      await fixture.runs.stats({ groupBy: 'agent', ...range, source: 'rollup' });
      await fixture.runs.topErrors(range);
      await fixture.runs.costBreakdown({ groupBy: 'model', ...range });
      await fixture.runs.decisionStats(range);
    });
    expect(probe.seen.length).toBeGreaterThanOrEqual(10);
    expect(probe.seen.every(Boolean)).toBe(true);
  });
});
