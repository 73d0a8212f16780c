/** The flag tables of every command (one source for parsing, validation and --help). */
import type { CommandSpec, FlagSpec } from './args.js';

/** Defaults chosen so that `webgrad train` on SpamAssassin finishes in a few minutes on 2 CPU cores. */
export const DEFAULTS = {
  batchSize: 128,
  epochs: 20,
  finderEpochs: 2,
  studyEpochs: 2,
  studyBatchSizes: [32, 128, 512],
  checkpointEvery: 20,
} as const;

const DATA = 'Data';
const PREP = 'Tokenizing and padding';
const MODEL = 'Model';
const TRAIN = 'Training';
const FINDER = 'LR range test';
const ES = 'Early stopping';
const OUT = 'Output and runtime';
const RESUME = 'Checkpoints and resume';

export const dataFlags: FlagSpec[] = [
  { name: 'data', type: 'path', exists: 'any', group: DATA, help: 'IMDB: aclImdb_v1.tar.gz (or .tar), an extracted aclImdb folder, or the folder holding it. Default: the SpamAssassin corpus bundled offline' },
  { name: 'download', type: 'bool', group: DATA, help: 'download IMDB (84 MB, checksummed, cached in ~/.cache/webgrad) instead of --data' },
  { name: 'csv', type: 'path', exists: 'file', group: DATA, help: 'your own data: a CSV file with a text column and a 0/1 label column' },
  { name: 'jsonl', type: 'path', exists: 'file', group: DATA, help: 'your own data: a JSONL file, one {"text": …, "label": 0|1} per line' },
  { name: 'text-field', type: 'string', default: 'text', group: DATA, help: 'column/key of the text (--csv/--jsonl)' },
  { name: 'label-field', type: 'string', default: 'label', group: DATA, help: 'column/key of the 0/1 label (--csv/--jsonl)' },
  { name: 'label-names', type: 'string', metavar: 'NEG,POS', group: DATA, help: 'names of classes 0 and 1 in the report (default ham,spam / negative,positive / 0,1)' },
  { name: 'strip-headers', type: 'bool', default: true, group: DATA, help: 'SpamAssassin: drop mail headers so the model reads the message body' },
  { name: 'limit', type: 'int', min: 1, group: DATA, help: 'use only N samples, drawn at random with --seed (IMDB: N training and N/4 test reviews); for quick runs' },
  { name: 'test-split', type: 'number', gt: 0, lt: 1, default: 0.2, group: DATA, help: 'fraction held out for testing when the data has no test split' },
  { name: 'val-split', type: 'number', min: 0, lt: 1, default: 0.1, group: DATA, help: 'fraction of the training split held out for validation (early stopping); 0 validates on the test split, as the tutorial does' },
];

export const prepFlags: FlagSpec[] = [
  { name: 'num-words', type: 'int', min: 2, default: 10000, group: PREP, help: 'vocabulary size: the numWords−1 most frequent words keep their index' },
  { name: 'oov-token', type: 'string', default: '<OOV>', group: PREP, help: "token for out-of-vocabulary words ('' for none: such words are dropped)" },
  { name: 'maxlen', type: 'int', min: 1, default: 120, group: PREP, help: 'sequence length after padding/truncation' },
  { name: 'padding', type: 'choice', choices: ['pre', 'post'], default: 'pre', group: PREP, help: 'where short sequences get their zeros' },
  { name: 'truncating', type: 'choice', choices: ['pre', 'post'], default: 'post', group: PREP, help: "which end long sequences lose ('post' keeps the first maxlen words, as the tutorial does)" },
];

export const modelFlags: FlagSpec[] = [
  { name: 'embedding-dim', type: 'int', min: 1, default: 16, group: MODEL, help: 'embedding width' },
  { name: 'units', type: 'int', min: 1, default: 32, group: MODEL, help: 'GRU units per direction (Bidirectional)' },
  { name: 'dense-units', type: 'int', min: 1, default: 6, group: MODEL, help: 'units of the hidden Dense(relu) layer' },
];

export const trainFlags: FlagSpec[] = [
  { name: 'batch-size', type: 'int', min: 1, default: DEFAULTS.batchSize, group: TRAIN, help: 'training batch size' },
  { name: 'epochs', type: 'int', min: 1, default: DEFAULTS.epochs, group: TRAIN, help: 'maximum epochs (early stopping usually ends sooner)' },
  { name: 'lr', type: 'number', gt: 0, metavar: 'LR', group: TRAIN, help: 'use this learning rate and skip the LR range test' },
  { name: 'schedule', type: 'choice', choices: ['constant', 'one-cycle', 'cyclical'], default: 'constant', group: TRAIN, help: "LR schedule per batch: constant at the chosen LR, one-cycle peaking at it, or cyclical (triangular) between LR/4 and LR with a 2-epoch half cycle" },
  { name: 'study-batch-sizes', type: 'int-list', min: 1, group: TRAIN, help: 'also run the batch-size study at these sizes after training (see webgrad study-batch)' },
];

export const finderFlags: FlagSpec[] = [
  { name: 'finder-start-lr', type: 'number', gt: 0, default: 1e-6, metavar: 'LR', group: FINDER, help: 'first LR of the exponential sweep' },
  { name: 'finder-end-lr', type: 'number', gt: 0, default: 1, metavar: 'LR', group: FINDER, help: 'last LR of the sweep' },
  { name: 'finder-epochs', type: 'int', min: 1, default: DEFAULTS.finderEpochs, group: FINDER, help: 'sweep length in epochs (the tutorial uses 5 on IMDB; 2 keeps the default run short)' },
  { name: 'finder-steps', type: 'int', min: 2, group: FINDER, help: 'sweep length in batches (overrides --finder-epochs)' },
  { name: 'finder-batch-size', type: 'int', min: 1, group: FINDER, help: 'batch size of the sweep (default: --batch-size)' },
  { name: 'finder-rule', type: 'choice', choices: ['valley', 'steep', 'minimum', 'slide', 'steepest'], default: 'valley', group: FINDER, help: "which suggestion to train with; every rule is reported. 'steepest' is the tutorial's lrfinder rule on Keras's running mean" },
  { name: 'finder-sma', type: 'int', min: 1, default: 20, group: FINDER, help: "window of the 'steepest' rule (lrfinder's sma)" },
  { name: 'finder-seeds', type: 'int', min: 1, max: 20, default: 1, group: FINDER, help: 'repeat the sweep over this many shuffle seeds; suggestions become medians with a spread, the chart gets a band' },
];

export const esFlags: FlagSpec[] = [
  { name: 'monitor', type: 'choice', choices: ['val_accuracy', 'val_loss', 'accuracy', 'loss'], default: 'val_accuracy', group: ES, help: 'metric early stopping watches' },
  { name: 'min-delta', type: 'number', min: 0, default: 1e-4, group: ES, help: 'smallest change that counts as an improvement' },
  { name: 'patience', type: 'int', min: 0, default: 1, group: ES, help: 'epochs without improvement before stopping' },
  { name: 'restore', type: 'bool', default: true, group: ES, help: 'restore the best epoch\'s weights at the end (Keras restore_best_weights)' },
];

export const outFlags: FlagSpec[] = [
  { name: 'out', type: 'path', metavar: 'DIR', group: OUT, help: 'run folder (default ./runs/<timestamp>)' },
  { name: 'json', type: 'bool', group: OUT, help: 'print a machine-readable summary on stdout (progress and messages go to stderr); epochs in it are 1-based, as printed' },
  { name: 'quiet', type: 'bool', group: OUT, help: 'no progress bars or messages (errors still go to stderr)' },
  { name: 'seed', type: 'int', min: 0, max: 2 ** 32 - 1, default: 1, group: OUT, help: 'seed of the splits, weight initialisation and shuffling' },
  { name: 'backend', type: 'choice', choices: ['auto', 'webgpu', 'cpu'], default: 'auto', group: OUT, help: 'auto: WebGPU on a real GPU adapter, else the CPU backend (a SwiftShader adapter is slower than the CPU backend)' },
];

const resumeFlags: FlagSpec[] = [
  { name: 'checkpoint-every', type: 'int', min: 0, default: DEFAULTS.checkpointEvery, group: RESUME, help: 'write the training checkpoint (<run>/checkpoint/, replaced atomically) every N training steps as well as at each epoch end; 0: epoch ends only' },
  { name: 'resume', type: 'path', exists: 'dir', metavar: 'DIR', implicit: true, group: RESUME, help: "continue the interrupted run in DIR (without DIR: the latest run in ./runs) from its last checkpoint, with the settings saved in DIR/run.json; flags that contradict them are refused (--backend, --checkpoint-every, --examples, --json and --quiet may change). A finished run is reported as such (exit 0)" },
];

const examplesFlag: FlagSpec = { name: 'examples', type: 'int', min: 0, max: 100, default: 8, group: OUT, help: 'example predictions shown in the report' };

const studyOnly: FlagSpec[] = [
  { name: 'batch-sizes', type: 'int-list', min: 1, default: [...DEFAULTS.studyBatchSizes], group: TRAIN, help: 'batch sizes to compare' },
  { name: 'study-epochs', type: 'int', min: 1, default: DEFAULTS.studyEpochs, group: TRAIN, help: 'epochs per batch size (a fixed budget; no early stopping)' },
  { name: 'study-lr', type: 'choice', choices: ['finder', 'fixed', 'linear', 'sqrt'], default: 'finder', group: TRAIN, help: "LR per batch size: 'finder' runs the range test at each size; 'fixed' uses --lr (default 1e-3) for all; 'linear'/'sqrt' scale --lr (or the finder's LR at --batch-size) by b/B or √(b/B)" },
  { name: 'target-accuracy', type: 'number', gt: 0, max: 1, group: TRAIN, help: 'validation accuracy for time-to-accuracy (default: the lowest best accuracy among the batch sizes, so every size reaches it)' },
];

const modelDir: FlagSpec = { name: 'model', type: 'path', exists: 'dir', metavar: 'DIR', group: 'Model', help: "a model folder written by 'webgrad train' (<run>/model) or saveModel" };

const TIMING_NOTE = `Defaults: the tutorial's pipeline (numWords 10000, OOV token, maxlen 120, truncating 'post', Embedding 16 → Bidirectional GRU 32 → Dense 6 relu → Dense 1 sigmoid, Adam, early stopping on val_accuracy with minDelta 1e-4, patience 1, best weights restored) on the SpamAssassin corpus. To keep the default run to a few minutes on a 2-core machine with the CPU backend, the batch size is ${DEFAULTS.batchSize} (the tutorial: 512), the LR range test runs ${DEFAULTS.finderEpochs} epochs (the tutorial: 5) and training stops after at most ${DEFAULTS.epochs} epochs.`;

export const COMMANDS: Record<string, CommandSpec> = {
  train: {
    name: 'train',
    summary: 'Load → tokenize → pad → LR range test → train with early stopping → evaluate on the test split → save the model and tokenizer → write report.html.',
    flags: [...dataFlags, ...prepFlags, ...modelFlags, ...trainFlags, ...finderFlags, ...esFlags, ...resumeFlags, ...outFlags, examplesFlag],
    details: `${TIMING_NOTE}

The run folder gets report.html (open it in any browser), lr_finder.svg, history.svg,
confusion_matrix.svg, history.json, lr_finder.json, report.json, summary.json and model/
(model.json, model.safetensors, tokenizer.json), run.json (the settings and learning rate) and,
until the run completes, checkpoint/: if the run is killed, 'webgrad train --resume DIR' finishes
it with the final weights an uninterrupted run would have had.

Examples:
  webgrad train
  webgrad train --data ../shared/data/aclImdb_labeled.tar.gz --batch-size 512 --finder-epochs 5
  webgrad train --limit 300 --epochs 2 --finder-epochs 1 --units 4 --embedding-dim 4 --json
  webgrad train --resume runs/2025-01-01T10-00-00`,
  },
  'find-lr': {
    name: 'find-lr',
    summary: "Run the LR range test only: print every rule's suggestion and write lr_finder.svg, lr_finder.json and report.html.",
    flags: [...dataFlags, ...prepFlags, ...modelFlags, trainFlags[0]!, ...finderFlags, ...outFlags],
    details: 'Example:\n  webgrad find-lr --finder-seeds 3 --finder-epochs 3',
  },
  'study-batch': {
    name: 'study-batch',
    summary: 'Train a fresh model for a few epochs at each of several batch sizes; compare validation accuracy, samples/s and time to accuracy (report.html with charts).',
    flags: [...dataFlags, ...prepFlags, ...modelFlags, trainFlags[0]!, { ...trainFlags[2]!, help: "learning rate for --study-lr fixed/linear/sqrt (skips the finder there)" }, ...studyOnly, ...finderFlags, ...outFlags],
    details: 'Example:\n  webgrad study-batch --batch-sizes 32,64,128,256 --study-epochs 3 --study-lr sqrt',
  },
  evaluate: {
    name: 'evaluate',
    summary: "Evaluate a saved model on a data split: by default the test split of the data it was trained on (rebuilt from the settings saved with it).",
    flags: [
      { ...modelDir },
      ...dataFlags.map((f) => ({ ...f, default: undefined })),
      { name: 'split', type: 'choice', choices: ['test', 'validation', 'train', 'all'], default: 'test', group: DATA, help: 'which split to evaluate' },
      { name: 'batch-size', type: 'int', min: 1, default: 256, group: 'Model', help: 'evaluation batch size' },
      ...outFlags.filter((f) => f.name !== 'out' && f.name !== 'seed'),
    ],
    details: 'Example:\n  webgrad evaluate --model runs/2025-01-01T10-00-00/model',
  },
  predict: {
    name: 'predict',
    summary: 'Print the probability of class 1 (spam / positive) for each text, with the saved tokenizer and padding.',
    positionals: { name: 'TEXT...', help: 'one or more texts (quote each)', min: 1, max: 10000 },
    flags: [{ ...modelDir }, ...outFlags.filter((f) => ['json', 'quiet', 'backend'].includes(f.name))],
    details: 'Example:\n  webgrad predict --model runs/2025-01-01T10-00-00/model "Congratulations, you won a FREE cruise!"',
  },
};

export const COMMAND_ORDER = ['train', 'find-lr', 'study-batch', 'evaluate', 'predict'];
