import { AgentspanQueryError } from '../../src/query/agentspan-query-error';
import { at, useAnalyticsFixture } from './analytics-seed';
import { caught } from './run-seeds';

const fixture = useAnalyticsFixture();

const round = (value: number | null) => (value === null ? null : Math.round(value * 1e9) / 1e9);
const empty = (i: number) => ({
  from: i / 10,
  to: (i + 1) / 10,
  count: 0,
  averageConfidence: null,
  averageScore: null,
});

describe('decisionStats', () => {
  it('counts decisions by outcome and measures calibration: confidence against outcome score', async () => {
    const result = await fixture.runs.decisionStats();
    expect({
      ...result,
      averageConfidence: round(result.averageConfidence),
      calibrationError: round(result.calibrationError),
    }).toEqual({
      total: 6,
      pending: 2, // D5, D6
      recorded: 4,
      averageConfidence: 0.7, // (0.9 + 0.5 + 0.85 + 0.3 + 0.95) / 5: D6 has none
      byOutcome: [
        { outcome: 'failure', count: 2, averageConfidence: 0.625, averageScore: 0.1 },
        { outcome: 'success', count: 2, averageConfidence: 0.875, averageScore: 0.9 },
      ],
      calibration: [
        empty(0),
        empty(1),
        empty(2),
        { from: 0.3, to: 0.4, count: 1, averageConfidence: 0.3, averageScore: 0 },
        empty(4),
        empty(5),
        empty(6),
        empty(7),
        { from: 0.8, to: 0.9, count: 1, averageConfidence: 0.85, averageScore: 0.8 },
        { from: 0.9, to: 1, count: 2, averageConfidence: 0.925, averageScore: 0.6 },
      ],
      // (1 × |0.3 − 0| + 1 × |0.85 − 0.8| + 2 × |0.925 − 0.6|) / 4
      calibrationError: 0.25,
    });
  });

  it('filters by agent, tenant, status, time and decision name', async () => {
    const totals = async (options: object) => {
      const { total, pending } = await fixture.runs.decisionStats(options);
      return [total, pending];
    };
    expect(await totals({ agent: 'Researcher' })).toEqual([4, 1]);
    expect(await totals({ tenantId: 'globex' })).toEqual([1, 0]);
    expect(await totals({ status: 'completed' })).toEqual([5, 2]);
    expect(await totals({ since: at('12:00:00') })).toEqual([1, 0]);
    expect(await totals({ name: 'nobody' })).toEqual([0, 0]);
    const none = await fixture.runs.decisionStats({ since: at('14:00:00') });
    expect(none).toEqual({
      total: 0,
      pending: 0,
      recorded: 0,
      averageConfidence: null,
      byOutcome: [],
      calibration: Array.from({ length: 10 }, (_, i) => empty(i)),
      calibrationError: null,
    });
  });

  it('refuses unknown options', async () => {
    const error = await caught(fixture.runs.decisionStats({ minConfidence: 0.5 } as never));
    expect(error).toBeInstanceOf(AgentspanQueryError);
    expect((error as Error).message).toMatch(/^decisionStats: unknown option "minConfidence"/);
  });
});
