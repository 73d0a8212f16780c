/**
 * Run reports: a self-contained report.html (inline SVG figures, no scripts or external assets)
 * with the LR range test, the training history with early stopping, the test-set confusion matrix
 * and example predictions, the batch-size study, and the run's configuration and timings.
 */
export { buildFigures, buildReportHtml, writeReport, FIGURES } from './report.js';
export type * from './types.js';
