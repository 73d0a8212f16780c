/** What a run report shows. Every section but the header is optional. */

/** One learning-rate suggestion as reported. */
export interface ReportSuggestion {
  lr: number;
  /** Curve the rule read: smoothed, raw, running (Keras running mean), sma. */
  source: string;
  /** Point the rule picked on that curve (for the dot on the chart). */
  pointLr?: number;
  loss?: number;
  /** e.g. "tutorial: lrfinder get_best_lr(sma=20)". */
  note?: string;
  /** Spread over seeds when the sweep was repeated. */
  spread?: { min: number; max: number; ratio: number; runs: number };
}

export interface ReportFinder {
  lrs: number[];
  losses: number[];
  smoothed: number[];
  running: number[] | null;
  divergedAt: number;
  numSteps: number;
  startLr: number;
  endLr: number;
  batchSize: number;
  seconds: number;
  /** Keyed by rule name ('valley', 'steepest', 'steepest (raw loss)', …). */
  suggestions: Record<string, ReportSuggestion>;
  /** Rules that could not answer on this curve, with the reason. */
  errors: Record<string, string>;
  chosen: { lr: number; rule: string; why?: string };
  /** Repeated sweeps: band of the smoothed loss over seeds. */
  band?: { lrs: number[]; lower: number[]; upper: number[]; median: number[]; runs: number };
}

export interface ReportHistory {
  epoch: number[];
  history: Record<string, number[]>;
  monitor: string;
  /** 0-based, or null. */
  bestEpoch: number | null;
  stoppedEpoch: number | null;
  restored: boolean;
  stopReason: string | null;
  seconds: number;
  samplesPerSec: number;
}

export interface ReportTest {
  n: number;
  loss: number;
  accuracy: number;
  /** matrix[true][predicted] with classes in `labels` order. */
  confusion: number[][];
  labels: [string, string];
  precision: number;
  recall: number;
  f1: number;
}

export interface ReportExample {
  text: string;
  label: number;
  probability: number;
  /** Why it was picked: "confident spam", "error", "borderline", … */
  kind: string;
}

export interface ReportStudyRow {
  batchSize: number;
  lr: number;
  lrSource: string;
  epochs: number;
  finalValAccuracy: number;
  bestValAccuracy: number;
  finalValLoss: number;
  samplesPerSec: number;
  seconds: number;
  /** Training seconds until val accuracy first reached the target; null if never. */
  timeToTarget: number | null;
  /** Cumulative training seconds and val accuracy after each epoch. */
  curve: { seconds: number[]; valAccuracy: number[] };
}

export interface ReportStudy {
  rows: ReportStudyRow[];
  target: number;
  targetWhy: string;
  epochs: number;
  lrMode: string;
}

export interface ReportTiming {
  phase: string;
  seconds: number;
  /** e.g. "4352 samples/s". */
  rate?: string;
}

export interface RunReport {
  title: string;
  subtitle?: string;
  created: string;
  commandLine: string;
  dataset: { name: string; source: string; labels: [string, string]; counts: Record<string, number>; positives: Record<string, number> };
  config: Record<string, unknown>;
  environment: Record<string, string>;
  timings: ReportTiming[];
  learningRate?: number;
  finder?: ReportFinder;
  history?: ReportHistory;
  test?: ReportTest;
  examples?: ReportExample[];
  study?: ReportStudy;
  /** Files in the run folder, for the links at the end. */
  files?: { name: string; what: string }[];
  /** Notes shown under the header (warnings, fallbacks). */
  notes?: string[];
}
