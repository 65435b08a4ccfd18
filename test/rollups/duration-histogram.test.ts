import {
  bucketValue,
  HISTOGRAM_GROWTH,
  HISTOGRAM_RELATIVE_ERROR,
  percentileOfHistogram,
} from '../../src/rollups/duration-histogram';

/** The bucket the SQL gives a duration (durationBucketSql), in JavaScript. */
const bucketOf = (ms: number) =>
  ms < 1 ? 0 : Math.min(600, 1 + Math.floor(Math.log(ms) / Math.log(HISTOGRAM_GROWTH)));

describe('duration histogram', () => {
  it('reads any duration back within 2.44 % (0.5 ms under 1 ms)', () => {
    expect(HISTOGRAM_RELATIVE_ERROR).toBeCloseTo(0.05 / 2.05, 12);
    for (const ms of [1, 1.5, 9.99, 100, 123.4, 999, 1000, 65_432, 3_600_000, 86_400_000]) {
      expect(Math.abs(bucketValue(bucketOf(ms)) - ms) / ms).toBeLessThanOrEqual(HISTOGRAM_RELATIVE_ERROR + 1e-12);
    }
    expect(bucketValue(bucketOf(0.2))).toBe(0.5);
  });

  it('gives percentile_cont’s interpolated percentiles within the same error, kept within min and max', () => {
    // Ten durations 100, 200, …, 1000 ms.
    const histogram: Record<string, number> = {};
    for (let ms = 100; ms <= 1000; ms += 100) histogram[bucketOf(ms)] = (histogram[bucketOf(ms)] ?? 0) + 1;
    const within = (value: number | null, expected: number) =>
      Math.abs(value! - expected) / expected <= HISTOGRAM_RELATIVE_ERROR;
    // percentile_cont: position (10 − 1) × fraction between the sorted values.
    expect(within(percentileOfHistogram(histogram, 0.5), 550)).toBe(true); // 500 + 0.5 × 100
    expect(within(percentileOfHistogram(histogram, 0.95), 955)).toBe(true); // 900 + 0.55 × 100
    expect(within(percentileOfHistogram(histogram, 0.99), 991)).toBe(true); // 900 + 0.91 × 100
    expect(within(percentileOfHistogram(histogram, 0), 100)).toBe(true);
    expect(percentileOfHistogram(histogram, 1, { min: 100, max: 990 })).toBe(990);
    expect(percentileOfHistogram(histogram, 0, { min: 101, max: 1000 })).toBe(101);
    expect(percentileOfHistogram({ [bucketOf(700)]: 1 }, 0.95, { min: 700, max: 700 })).toBe(700);
    expect(percentileOfHistogram({}, 0.5)).toBeNull();
    expect(percentileOfHistogram({ '95': 0 }, 0.5)).toBeNull();
  });
});
