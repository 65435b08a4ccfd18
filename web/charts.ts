/**
 * Charts with uPlot (bundled: no request leaves the page). A chart is drawn into its container once the data is
 * there, sized to the container's width, resized with the window, and destroyed when the page is left. Hovering
 * shows each series' value at the cursor in the legend.
 */
import uPlot from 'uplot';
import type { PageContext } from './page';

export interface SeriesSpec {
  label: string;
  values: Array<number | null>;
  color: string;
  /** Formats a value for the legend and the axis of its scale. */
  format: (value: number) => string;
  /** Drawn as bars (counts, amounts) rather than a line. */
  bars?: boolean;
  /** A second y scale, drawn on the right. */
  right?: boolean;
  dash?: number[];
}

export interface ChartSpec {
  /** Unix seconds for a time axis; plain numbers when time is false. */
  x: number[];
  time?: boolean;
  xFormat?: (value: number) => string;
  series: SeriesSpec[];
  height?: number;
  /** Fixed range of the left scale (e.g. [0, 1] for ratios). */
  range?: [number, number];
  /** Fixed range of the right scale. */
  rightRange?: [number, number];
  /** The width of a bucket in x units: the x scale is padded by half of it, so the end bars show whole. */
  step?: number;
}

const AXIS = { stroke: '#555', grid: { stroke: '#eee', width: 1 }, ticks: { stroke: '#ddd', width: 1 } };

export function drawChart(context: PageContext, container: HTMLElement, spec: ChartSpec): void {
  const left = spec.series.find((series) => !series.right);
  const right = spec.series.find((series) => series.right);
  const bars = uPlot.paths.bars?.({ size: [0.6, 40] });
  const options: uPlot.Options = {
    width: Math.max(300, container.clientWidth),
    height: spec.height ?? 220,
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: {
        time: spec.time ?? true,
        ...(spec.step === undefined || spec.x.length === 0
          ? {}
          : {
              range: (): uPlot.Range.MinMax => [
                spec.x[0]! - spec.step! / 2,
                spec.x[spec.x.length - 1]! + spec.step! / 2,
              ],
            }),
      },
      y: spec.range === undefined ? { auto: true } : { auto: false, range: spec.range },
      ...(right === undefined
        ? {}
        : { r: spec.rightRange === undefined ? { auto: true } : { auto: false, range: spec.rightRange } }),
    },
    series: [
      spec.time === false && spec.xFormat !== undefined
        ? { label: 'x', value: (_u, value) => (value == null ? '–' : spec.xFormat!(value)) }
        : {},
      ...spec.series.map((series): uPlot.Series => ({
        label: series.label,
        stroke: series.color,
        width: series.bars ? 1 : 2,
        fill: series.bars ? `${series.color}99` : undefined,
        dash: series.dash,
        scale: series.right ? 'r' : 'y',
        spanGaps: false,
        paths: series.bars ? bars : undefined,
        points: { show: !series.bars && series.values.length < 60 },
        value: (_u, value) => (value == null ? '–' : series.format(value)),
      })),
    ],
    axes: [
      { ...AXIS, ...(spec.xFormat === undefined ? {} : { values: (_u, ticks) => ticks.map((t) => spec.xFormat!(t)) }) },
      {
        ...AXIS,
        scale: 'y',
        size: 70,
        values: (_u, ticks) => ticks.map((t) => (left === undefined ? String(t) : left.format(t))),
      },
      ...(right === undefined
        ? []
        : [
            {
              ...AXIS,
              scale: 'r',
              side: 1 as const,
              size: 60,
              grid: { show: false },
              values: (_u: uPlot, ticks: number[]) => ticks.map((t) => right.format(t)),
            },
          ]),
    ],
  };
  const data: uPlot.AlignedData = [spec.x, ...spec.series.map((series) => series.values)];
  const chart = new uPlot(options, data, container);
  const resize = () => chart.setSize({ width: Math.max(300, container.clientWidth), height: options.height });
  window.addEventListener('resize', resize);
  context.onLeave(() => {
    window.removeEventListener('resize', resize);
    chart.destroy();
  });
}

/** ISO times to unix seconds, as uPlot's time axis takes them. */
export function seconds(iso: string | null): number {
  return iso === null ? 0 : Date.parse(iso) / 1000;
}
