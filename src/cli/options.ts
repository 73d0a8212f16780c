/** Typed options from parsed flags, with the cross-flag checks a flag table cannot express. */
import type { SuggestionRule } from '../train/lr-finder/suggestions.js';
import { UsageError, type ParsedArgs } from './args.js';
import type { DataSpec, FinderSpec, ModelSpec, PrepSpec } from './pipeline.js';

export interface CommonOptions {
  json: boolean;
  quiet: boolean;
  seed: number;
  backend: 'auto' | 'webgpu' | 'cpu';
  out?: string;
}

export function common(p: ParsedArgs): CommonOptions {
  const v = p.values;
  return {
    json: !!v.json, quiet: !!v.quiet, seed: (v.seed as number | undefined) ?? 1,
    backend: (v.backend as CommonOptions['backend']) ?? 'auto',
    ...(v.out !== undefined ? { out: v.out as string } : {}),
  };
}

function labelNames(cmd: string, raw: unknown): [string, string] | undefined {
  if (raw === undefined) return undefined;
  const parts = String(raw).split(',').map((s) => s.trim());
  if (parts.length !== 2 || parts.some((s) => s === '')) throw new UsageError(`--label-names needs two names separated by a comma, e.g. ham,spam; got ${JSON.stringify(raw)}`, cmd);
  return parts as [string, string];
}

/** The data source from --data/--download/--csv/--jsonl (SpamAssassin when none is given). */
export function dataSpec(cmd: string, p: ParsedArgs, seed: number): DataSpec {
  const v = p.values;
  const sources = ['data', 'download', 'csv', 'jsonl'].filter((k) => v[k] !== undefined && v[k] !== false);
  if (sources.length > 1) throw new UsageError(`give one data source, not ${sources.map((s) => `--${s}`).join(' and ')}`, cmd);
  const kind: DataSpec['kind'] = v.csv ? 'csv' : v.jsonl ? 'jsonl' : v.data || v.download ? 'imdb' : 'spam';
  if (kind !== 'spam' && p.given.has('stripHeaders')) throw new UsageError('--strip-headers applies to the SpamAssassin corpus only', cmd);
  if (kind !== 'csv' && kind !== 'jsonl') {
    for (const f of ['textField', 'labelField']) if (p.given.has(f)) throw new UsageError(`--${f === 'textField' ? 'text-field' : 'label-field'} applies to --csv/--jsonl only`, cmd);
  }
  const names = labelNames(cmd, v.labelNames);
  return {
    kind,
    ...(kind === 'imdb' && v.data ? { path: v.data as string } : {}),
    ...(kind === 'imdb' && v.download ? { download: true } : {}),
    ...(kind === 'csv' || kind === 'jsonl' ? { path: v[kind] as string, textField: v.textField as string, labelField: v.labelField as string } : {}),
    ...(kind === 'spam' ? { stripHeaders: v.stripHeaders as boolean } : {}),
    ...(names ? { labelNames: names } : {}),
    ...(v.limit !== undefined ? { limit: v.limit as number } : {}),
    testSplit: v.testSplit as number,
    valSplit: v.valSplit as number,
    seed,
  };
}

export function prepSpec(p: ParsedArgs): PrepSpec {
  const v = p.values;
  return { numWords: v.numWords as number, oovToken: v.oovToken as string, maxlen: v.maxlen as number, padding: v.padding as 'pre' | 'post', truncating: v.truncating as 'pre' | 'post' };
}

export function modelSpec(p: ParsedArgs): ModelSpec {
  const v = p.values;
  return { numWords: v.numWords as number, embeddingDim: v.embeddingDim as number, units: v.units as number, denseUnits: v.denseUnits as number };
}

export function finderSpec(cmd: string, p: ParsedArgs, seed: number, batchSize: number): FinderSpec {
  const v = p.values;
  const start = v.finderStartLr as number;
  const end = v.finderEndLr as number;
  if (!(end > start)) throw new UsageError(`--finder-end-lr (${end}) must be greater than --finder-start-lr (${start})`, cmd);
  return {
    startLr: start, endLr: end, epochs: v.finderEpochs as number,
    ...(v.finderSteps !== undefined ? { steps: v.finderSteps as number } : {}),
    rule: v.finderRule as SuggestionRule, sma: v.finderSma as number, seeds: v.finderSeeds as number,
    batchSize: (v.finderBatchSize as number | undefined) ?? batchSize, seed,
  };
}
