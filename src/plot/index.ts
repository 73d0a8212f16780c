/**
 * Dependency-free SVG charts with deterministic output: line charts (log axes, bands, labelled
 * markers, highlighted points), grouped bar charts, confusion-matrix heatmaps, and the two
 * training figures built on them, `lrFinderChart` and `historyChart`.
 *
 * @example
 * import { plot } from 'webgrad';
 * fs.writeFileSync('history.svg', plot.historyChart(history, { stoppedEpoch: 5, bestEpoch: 4 }));
 */
export { lineChart, renderLinePanel, linePath, bandPath, type LineChartSpec, type LineSeries, type BandSpec, type MarkerSpec, type PointSpec, type AxisSpec } from './line-chart.js';
export { barChart, type BarChartSpec, type BarSeries } from './bar-chart.js';
export { confusionMatrixChart, type ConfusionMatrixSpec } from './heatmap.js';
export {
  lrFinderChart, historyChart, formatLr, RULE_COLORS,
  type LrFinderChartInput, type LrFinderChartOptions, type HistoryLike, type HistoryChartOptions,
} from './charts.js';
export { linearScale, logScale, niceStep, formatPow10, type Scale } from './scale.js';
export { esc, num, hashId, PALETTE } from './svg.js';
