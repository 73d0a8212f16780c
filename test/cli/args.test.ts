import { describe, expect, it } from 'vitest';
import { camel, formatHelp, kebab, parseArgs, suggest, UsageError } from '../../src/cli/args.js';
import { editDistance } from '../../src/tensor/errors.js';
import { COMMANDS } from '../../src/cli/specs.js';

const train = COMMANDS.train!;
const paths: Record<string, 'file' | 'dir'> = { 'data.csv': 'file', 'aclImdb': 'dir', 'aclImdb_v1.tar.gz': 'file' };
const exists = (p: string) => paths[p] ?? null;
const parse = (...argv: string[]) => parseArgs(train, argv, exists);

function usageError(argv: string[], cmd = train): string {
  try {
    parseArgs(cmd, argv, exists);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('flag parsing', () => {
  it('fills the defaults of the tutorial pipeline', () => {
    const { values, given } = parse();
    expect(values).toMatchObject({
      numWords: 10000, oovToken: '<OOV>', maxlen: 120, padding: 'pre', truncating: 'post', embeddingDim: 16, units: 32, denseUnits: 6,
      finderStartLr: 1e-6, finderEndLr: 1, finderRule: 'valley', finderSma: 20, finderSeeds: 1,
      monitor: 'val_accuracy', minDelta: 1e-4, patience: 1, restore: true, seed: 1, backend: 'auto', stripHeaders: true,
    });
    expect(given.size).toBe(0);
  });

  it('reads --name value, --name=value, camelCase spellings, booleans and --no-', () => {
    const { values, given } = parse('--num-words', '500', '--maxlen=40', '--embeddingDim', '8', '--json', '--no-restore', '--quiet=false', '--finder-start-lr', '1e-7', '--study-batch-sizes', '32, 64,128');
    expect(values).toMatchObject({ numWords: 500, maxlen: 40, embeddingDim: 8, json: true, restore: false, quiet: false, finderStartLr: 1e-7, studyBatchSizes: [32, 64, 128] });
    expect([...given].sort()).toEqual(['embeddingDim', 'finderStartLr', 'json', 'maxlen', 'numWords', 'quiet', 'restore', 'studyBatchSizes']);
  });

  it('checks paths that must exist', () => {
    expect(parse('--data', 'aclImdb').values.data).toBe('aclImdb');
    expect(parse('--csv', 'data.csv').values.csv).toBe('data.csv');
    expect(usageError(['--data', 'nowhere.tar.gz'])).toBe('--data nowhere.tar.gz: no such file or folder');
    expect(usageError(['--csv', 'aclImdb'])).toBe('--csv aclImdb is a folder, not a file');
  });

  it('takes an optional value where the flag has an implicit one (--resume [DIR])', () => {
    expect(parse('--resume', 'aclImdb').values.resume).toBe('aclImdb');
    expect(parse('--resume').values.resume).toBe(true);
    expect(parse('--resume', '--epochs', '2').values).toMatchObject({ resume: true, epochs: 2 });
    expect(usageError(['--resume', 'data.csv'])).toBe('--resume data.csv is a file, not a folder');
    expect(usageError(['--lr'])).toBe('--lr needs a value (LR)');
    expect(formatHelp('webgrad', train)).toMatch(/--resume \[DIR\] +continue the interrupted run/);
  });

  const bad: [string[], string][] = [
    [['--epoch', '3'], 'unknown flag --epoch (did you mean --epochs?)'],
    [['--batchsize', '3'], 'unknown flag --batchsize (did you mean --batch-size?)'],
    [['--finder-rul', 'valley'], 'unknown flag --finder-rul (did you mean --finder-rule?)'],
    [['--no-restor'], 'unknown flag --no-restor (did you mean --no-restore?)'],
    [['--frobnicate'], 'unknown flag --frobnicate'],
    [['-e', '3'], 'unknown option -e (options are spelled with two dashes)'],
    [['-epochs', '3'], 'unknown option -epochs (options are spelled with two dashes) (did you mean --epochs?)'],
    [['--batch-size', '-5'], '--batch-size must be at least 1, got -5'],
    [['--batch-size', '0'], '--batch-size must be at least 1, got 0'],
    [['--batch-size', '2.5'], '--batch-size needs a whole number, got "2.5"'],
    [['--maxlen', '0'], '--maxlen must be at least 1, got 0'],
    [['--finder-start-lr', '0'], '--finder-start-lr must be greater than 0, got 0'],
    [['--val-split', '1'], '--val-split must be less than 1, got 1'],
    [['--min-delta', 'abc'], '--min-delta needs a number, got "abc"'],
    [['--padding', 'middle'], '--padding must be one of pre, post; got "middle"'],
    [['--finder-rule', 'valey'], '--finder-rule must be one of valley, steep, minimum, slide, steepest; got "valey" (did you mean valley?)'],
    [['--epochs'], '--epochs needs a value'],
    [['--epochs', '--json'], '--epochs needs a value'],
    [['--epochs', '2', '--epochs', '3'], '--epochs is given twice'],
    [['--json=maybe'], '--json takes no value (or true/false), got "maybe"'],
    [['--study-batch-sizes', '32,x'], '--study-batch-sizes needs a comma-separated list of whole numbers, got "32,x"'],
    [['extra'], 'unexpected argument "extra"'],
  ];
  it.each(bad)('refuses %j: %s', (argv, message) => {
    expect(usageError(argv)).toBe(message);
  });

  it('takes positional texts for predict and requires at least one', () => {
    expect(parseArgs(COMMANDS.predict!, ['--model', 'aclImdb', 'hello there', '-', '--json'], exists).positionals).toEqual(['hello there', '-']);
    expect(usageError(['--model', 'aclImdb'], COMMANDS.predict!)).toBe('missing TEXT...');
  });

  it('spots typos by edit distance and prefixes', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('trian', 'train')).toBe(1);
    expect(suggest('trian', ['train', 'find-lr', 'predict'])).toEqual(['train']);
    expect(suggest('epoch', ['epochs', 'finder-epochs', 'seed'])).toEqual(['epochs']);
    expect(suggest('zzzzzz', ['epochs', 'seed'])).toEqual([]);
    expect(kebab('finderStartLr')).toBe('finder-start-lr');
    expect(camel('finder-start-lr')).toBe('finderStartLr');
  });

  it('documents every flag with its default in --help', () => {
    const text = formatHelp('webgrad', train);
    for (const f of train.flags) expect(text).toContain(`--${f.name}`);
    expect(text).toContain('(default 1e-6)');
    expect(text).toContain('--restore, --no-restore');
    expect(text).toMatch(/a few minutes on a 2-core machine/);
  });
});
