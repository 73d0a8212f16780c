/**
 * Messages between the page (main.ts) and the training worker (worker.ts). The worker owns the
 * engine, the dataset, the tokenizer and the models; the page only renders what it is told.
 */

/** One example text shown as a button under the prediction box. */
export interface ExampleText {
  text: string;
  label: number;
}

/** spam.json, written at build time by demo/build.mjs (see prepare-data.ts). */
export interface BuiltinMeta {
  version: number;
  name: string;
  description: string;
  n: number;
  maxlen: number;
  numWords: number;
  oovToken: string;
  /** Distinct words seen when fitting the tokenizer (only numWords − 1 are kept). */
  vocabularySize: number;
  dtype: 'uint16';
  /** [label 0, label 1]. */
  labelNames: [string, string];
  counts: { negative: number; positive: number };
  tokenizer: { filters: string; lower: boolean; split: string };
  seed: number;
  /** words[k] has index k + 1; words[0] is the OOV token. */
  words: string[];
  examples: ExampleText[];
  files: { ids: string; labels: string };
  prepareSeconds: number;
}

/** What the page knows about the loaded dataset. */
export interface DatasetInfo {
  name: string;
  description: string;
  n: number;
  maxlen: number;
  numWords: number;
  labelNames: [string, string];
  counts: { negative: number; positive: number };
  examples: ExampleText[];
  /** Rows reserved for validation by the source itself (IMDB's test split); 0 when split at run time. */
  fixedValidation: number;
  loadMs: number;
  bytes: number;
}

export interface ModelSettings {
  /** GRU units per direction. */
  units: number;
  embedDim: number;
  /** Samples used (training + validation), from the start of the dataset. */
  subset: number;
  /** Fraction of the subset held out for validation (ignored when the source has its own split). */
  valFraction: number;
  seed: number;
}

export interface EarlyStoppingSettings {
  monitor: string;
  minDelta: number;
  patience: number;
  restoreBestWeights: boolean;
}

export type ScheduleKind = 'constant' | 'oneCycle' | 'cyclical' | 'cosine' | 'exponential';

export interface TrainSettings {
  model: ModelSettings;
  learningRate: number;
  batchSize: number;
  epochs: number;
  schedule: ScheduleKind;
  earlyStopping: EarlyStoppingSettings | null;
}

export interface FindLrSettings {
  model: ModelSettings;
  startLr: number;
  endLr: number;
  steps: number;
  batchSize: number;
}

export interface StudySettings {
  model: ModelSettings;
  learningRate: number;
  batchSizes: number[];
  epochs: number;
}

export type ToWorker =
  | { type: 'init'; backend: 'auto' | 'webgpu' | 'cpu'; stopFlag: SharedArrayBuffer | null }
  | { type: 'load-builtin'; url: string }
  | { type: 'load-file'; file: File; textField: string; labelField: string }
  | { type: 'find-lr'; settings: FindLrSettings }
  | { type: 'train'; settings: TrainSettings }
  | { type: 'study'; settings: StudySettings }
  | { type: 'predict'; text: string; id: number }
  | { type: 'stop' };

export interface EngineStats {
  tensors: number;
  buffers: number;
  bytes: number;
  pipelines: number;
  dispatchesPerStep: number | null;
  backend: string;
}

export interface SuggestionInfo {
  rule: string;
  lr: number;
  pointLr: number;
  loss: number;
}

export type Task = 'load' | 'find-lr' | 'train' | 'study' | null;

/** An LR range test about to run. */
export interface LrSweepPlan {
  startLr: number;
  endLr: number;
  steps: number;
  batchSize: number;
}

/** An LR range test's curve and suggestions, once it ended. */
export interface LrSweep {
  lrs: number[];
  losses: number[];
  smoothed: number[];
  divergedAt: number;
  suggestions: SuggestionInfo[];
  errors: Record<string, string>;
  stopped: boolean;
  seconds: number;
}

/** How a training run ended (the page keeps it to render the result). */
export interface TrainSummary {
  epochs: number;
  stoppedEpoch: number | null;
  bestEpoch: number | null;
  restored: boolean;
  monitor: string | null;
  best: number | null;
  message: string | null;
  stopped: boolean;
  seconds: number;
  samplesPerSec: number;
}

/** One batch size of a batch-size study, after its last epoch. */
export interface StudyPoint {
  batchSize: number;
  valAccuracy: number;
  valLoss: number;
  samplesPerSec: number;
  seconds: number;
}

export type FromWorker =
  | {
    type: 'ready';
    backend: 'webgpu' | 'cpu';
    description: string;
    adapter: { vendor: string; architecture: string; description: string; isFallbackAdapter: boolean } | null;
    fallbackReason: string | null;
    ms: number;
  }
  | { type: 'busy'; task: Task }
  | { type: 'progress'; task: Task; text: string; fraction: number | null }
  | { type: 'dataset'; info: DatasetInfo }
  | ({ type: 'lr-begin' } & LrSweepPlan)
  | { type: 'lr-step'; index: number; lr: number; loss: number; smoothed: number }
  | ({ type: 'lr-done' } & LrSweep)
  | { type: 'train-begin'; epochs: number; steps: number; samples: number; valSamples: number; batchSize: number }
  | {
    type: 'batch';
    epoch: number;
    batch: number;
    steps: number;
    loss: number;
    batchLoss: number;
    accuracy: number;
    learningRate: number;
    samplesPerSec: number;
  }
  | { type: 'epoch'; epoch: number; logs: Record<string, number>; samplesPerSec: number; seconds: number }
  | ({ type: 'train-done'; history: Record<string, number[]> } & TrainSummary)
  | { type: 'study-begin'; batchSizes: number[]; epochs: number }
  | { type: 'study-progress'; batchSize: number; epoch: number; batch: number; steps: number }
  | ({ type: 'study-point' } & StudyPoint)
  | { type: 'study-done'; stopped: boolean }
  | { type: 'prediction'; id: number; probability: number; tokens: number; known: number; trained: boolean; ms: number }
  | { type: 'stats'; stats: EngineStats }
  | { type: 'error'; task: Task; message: string };
