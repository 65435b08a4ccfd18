import type { DataSource } from 'typeorm';
import { qualifiedTableName } from '../store/schema/table-names';
import { untraced } from '../internal/untraced';
import { analyticsFilters, ANALYTICS_FILTER_OPTIONS } from './analytics-arguments';
import { addAnalyticsFilters } from './analytics-filters';
import type { CalibrationBucket, DecisionStatsOptions, DecisionStatsResult } from './analytics-types';
import { optionsObject, textFilter } from './query-arguments';
import { SqlConditions } from './sql-conditions';
import { jsonOf, numberOrNull } from './sql-values';

type Row = Record<string, unknown>;

const METHOD = 'decisionStats';
const OPTIONS: readonly (keyof DecisionStatsOptions)[] = [...ANALYTICS_FILTER_OPTIONS, 'name'];
const CALIBRATION_BUCKETS = 10;

/**
 * Decisions by recorded outcome, and how well confidence predicted the outcome score (calibration): decisions with
 * both a confidence and a score, in ten buckets of confidence, each with its average confidence and average score.
 * Filters: agent (the decision's), tenant, user and status of the execution that decided, time of the decision.
 */
export async function queryDecisionStats(
  dataSource: DataSource,
  options?: DecisionStatsOptions,
): Promise<DecisionStatsResult> {
  const given = optionsObject<DecisionStatsOptions>(METHOD, 'options', options, OPTIONS);
  const name = textFilter(METHOD, 'name', given.name);
  const where = new SqlConditions();
  addAnalyticsFilters(where, analyticsFilters(METHOD, given), { time: 'd.occurred_at', agent: 'd.agent_name' });
  if (name !== undefined) where.add(`d.name = ${where.param(name)}`);
  const from = `FROM ${qualifiedTableName(dataSource, 'agent_decisions')} d
    JOIN ${qualifiedTableName(dataSource, 'agent_executions')} e ON e.trace_id = d.trace_id AND e.id = d.execution_id`;
  const scored = `d.confidence IS NOT NULL AND d.outcome_score IS NOT NULL`;
  const [outcomeRows, calibrationRows] = await untraced(() =>
    dataSource.transaction('REPEATABLE READ', async (manager) => [
      (await manager.query(
        `SELECT d.outcome::text AS outcome, count(*)::int AS count, sum(d.confidence) AS "confidenceSum",
                count(d.confidence)::int AS "confidenceCount", avg(d.confidence) AS "averageConfidence",
                avg(d.outcome_score) AS "averageScore"
         ${from} ${where.toSql()} GROUP BY d.outcome ORDER BY count DESC, d.outcome::text`,
        where.parameters,
      )) as Row[],
      (await manager.query(
        `SELECT LEAST(floor(d.confidence * ${CALIBRATION_BUCKETS})::int, ${CALIBRATION_BUCKETS - 1}) AS bucket,
                count(*)::int AS count, avg(d.confidence) AS "averageConfidence", avg(d.outcome_score) AS "averageScore"
         ${from} ${where.toSql() || 'WHERE true'} AND ${scored} GROUP BY 1`,
        where.parameters,
      )) as Row[],
    ]),
  );
  let total = 0;
  let pending = 0;
  let confidenceSum = 0;
  let confidenceCount = 0;
  for (const row of outcomeRows) {
    total += Number(row.count);
    if (row.outcome === null) pending += Number(row.count);
    confidenceSum += Number(row.confidenceSum ?? 0);
    confidenceCount += Number(row.confidenceCount);
  }
  const calibration = calibrationOf(calibrationRows);
  const calibrated = calibration.filter((bucket) => bucket.count > 0);
  const scoredCount = calibrated.reduce((sum, bucket) => sum + bucket.count, 0);
  return {
    total,
    pending,
    recorded: total - pending,
    averageConfidence: confidenceCount > 0 ? confidenceSum / confidenceCount : null,
    byOutcome: outcomeRows
      .filter((row) => row.outcome !== null)
      .map((row) => ({
        outcome: jsonOf(row.outcome),
        count: Number(row.count),
        averageConfidence: numberOrNull(row.averageConfidence),
        averageScore: numberOrNull(row.averageScore),
      })),
    calibration,
    calibrationError:
      scoredCount === 0
        ? null
        : calibrated.reduce((sum, b) => sum + b.count * Math.abs(b.averageConfidence! - b.averageScore!), 0) /
          scoredCount,
  };
}

function calibrationOf(rows: Row[]): CalibrationBucket[] {
  const byBucket = new Map(rows.map((row) => [Number(row.bucket), row]));
  return Array.from({ length: CALIBRATION_BUCKETS }, (_, i) => {
    const row = byBucket.get(i);
    return {
      from: i / CALIBRATION_BUCKETS,
      to: (i + 1) / CALIBRATION_BUCKETS,
      count: row === undefined ? 0 : Number(row.count),
      averageConfidence: row === undefined ? null : numberOrNull(row.averageConfidence),
      averageScore: row === undefined ? null : numberOrNull(row.averageScore),
    };
  });
}
