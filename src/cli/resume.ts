/**
 * `webgrad train --resume`: a train run saves its settings in `<run>/run.json` when it starts, and
 * a resumed run takes them back as its arguments, so it trains on the same data with the same
 * model, seed, batching and learning rate, and continues from `<run>/checkpoint/`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as wg from '../index.js';
import { writeJsonAtomic } from '../io/atomic.js';
import { kebab, UsageError, type ParsedArgs } from './args.js';
import { RunError } from './pipeline.js';
import { COMMANDS } from './specs.js';
import type { Ui } from './ui.js';

export const RUN_FILE = 'run.json';
export const CHECKPOINT_DIR = 'checkpoint';
export const SUMMARY_FILE = 'summary.json';

export interface RunConfig {
  command: 'train';
  /** ISO time the run started (picks the latest run for a bare --resume). */
  created: string;
  /** Effective flag values by camelCase name, paths made absolute; session-only flags left out. */
  values: Record<string, unknown>;
  /** The flags given on the original command line (some checks depend on them). */
  given: string[];
  /** The learning rate trained with; null until the LR range test has chosen it. */
  lr: number | null;
}

/** Flags that belong to one invocation only: never saved, never compared. */
const SESSION = new Set(['json', 'quiet', 'out', 'resume']);
/** Flags that change how a run is run or shown, not what it computes: they may differ on --resume. */
const FREE = new Set([...SESSION, 'backend', 'examples', 'checkpointEvery']);

const pathFlags = new Set(COMMANDS.train!.flags.filter((f) => f.type === 'path').map((f) => f.name));

function absolute(key: string, value: unknown, cwd: string): unknown {
  return typeof value === 'string' && pathFlags.has(kebab(key)) ? resolve(cwd, value) : value;
}

/** The run.json of a fresh run started with `args` in `cwd`. */
export function runConfig(args: ParsedArgs, cwd: string, lr: number | null): RunConfig {
  const values = Object.fromEntries(Object.entries(args.values).filter(([k]) => !SESSION.has(k)).map(([k, v]) => [k, absolute(k, v, cwd)]));
  return { command: 'train', created: new Date().toISOString(), values, given: [...args.given].filter((k) => !SESSION.has(k)), lr };
}

export async function saveRunConfig(dir: string, config: RunConfig): Promise<void> {
  await writeJsonAtomic(join(dir, RUN_FILE), config);
}

function readRunConfig(dir: string, shown: string, cmd: string): RunConfig {
  const file = join(dir, RUN_FILE);
  if (!existsSync(file)) throw new UsageError(`--resume ${shown} is not a train run folder (it has no ${RUN_FILE}, which 'webgrad train' writes when it starts)`, cmd);
  let config: RunConfig;
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) as RunConfig;
  } catch (e) {
    throw new RunError(`${file} cannot be read: ${(e as Error).message}`);
  }
  if (config?.command !== 'train' || typeof config.values !== 'object' || !Array.isArray(config.given)) throw new RunError(`${file} is not the run.json of a train run`);
  return config;
}

/** When the run whose run.json is `file` started ('' if unreadable: such a run sorts first). */
function startedAt(file: string): string {
  try {
    return String((JSON.parse(readFileSync(file, 'utf8')) as Partial<RunConfig>).created ?? '');
  } catch {
    return '';
  }
}

/** The most recently started run under ./runs (what a bare --resume continues). */
function latestRun(cwd: string, cmd: string): string {
  const runs = resolve(cwd, 'runs');
  const found = (existsSync(runs) ? readdirSync(runs) : [])
    .map((name) => join(runs, name, RUN_FILE))
    .filter((f) => existsSync(f))
    .map((f) => ({ dir: resolve(f, '..'), created: startedAt(f) }))
    .sort((a, b) => a.created.localeCompare(b.created));
  if (found.length === 0) throw new UsageError(`--resume without a folder continues the latest run in ${runs}, but there is none there`, cmd);
  return found.at(-1)!.dir;
}

function flagText(key: string, v: unknown): string {
  const name = kebab(key);
  if (v === undefined) return `no --${name}`;
  if (typeof v === 'boolean') return v ? `--${name}` : `--no-${name}`;
  return `--${name} ${Array.isArray(v) ? v.join(',') : String(v)}`;
}

/** The saved settings as this invocation's arguments; a given flag that contradicts them is a UsageError. */
function resumeArgs(cmd: string, args: ParsedArgs, config: RunConfig, dir: string, cwd: string): ParsedArgs {
  const file = relative(cwd, join(dir, RUN_FILE)) || RUN_FILE;
  if (args.given.has('out') && resolve(cwd, args.values.out as string) !== dir) {
    throw new UsageError(`--out ${args.values.out} contradicts --resume ${relative(cwd, dir) || '.'}: a resumed run writes into its own folder`, cmd);
  }
  for (const key of args.given) {
    if (FREE.has(key)) continue;
    const mine = absolute(key, args.values[key], cwd);
    const theirs = key === 'lr' ? config.values.lr ?? config.lr ?? undefined : config.values[key];
    if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
      throw new UsageError(`${flagText(key, mine)} contradicts the interrupted run's ${flagText(key, theirs)} (${file}); leave it out to resume`, cmd);
    }
  }
  const free = [...args.given].filter((k) => FREE.has(k));
  return {
    ...args,
    values: { ...config.values, ...Object.fromEntries(free.map((k) => [k, args.values[k]])), out: dir, resume: dir },
    given: new Set([...config.given, ...free]),
  };
}

export interface Resume {
  dir: string;
  config: RunConfig;
  /** The arguments to run with: the saved settings plus the free flags given now. */
  args: ParsedArgs;
  /** summary.json exists: the run finished. */
  completed: boolean;
}

/** Reads the run named by --resume (null without --resume). */
export function openResume(cmd: string, args: ParsedArgs, cwd: string): Resume | null {
  const v = args.values.resume;
  if (v === undefined) return null;
  const dir = typeof v === 'string' ? resolve(cwd, v) : latestRun(cwd, cmd);
  const config = readRunConfig(dir, typeof v === 'string' ? v : dir, cmd);
  return { dir, config, args: resumeArgs(cmd, args, config, dir, cwd), completed: existsSync(join(dir, SUMMARY_FILE)) };
}

/** A fresh run's folder: no checkpoint or summary of an earlier run in it (a resume would take them for this run's). */
export async function startRunFolder(out: string, config: RunConfig): Promise<void> {
  mkdirSync(out, { recursive: true });
  rmSync(join(out, CHECKPOINT_DIR), { recursive: true, force: true });
  rmSync(join(out, SUMMARY_FILE), { force: true });
  await saveRunConfig(out, config);
}

/** A --resume of a run that finished: nothing to train (exit 0, so a retry loop ends); its summary again with --json. */
export function reportCompleted(dir: string, ui: Ui, json: boolean): number {
  ui.log(`${dir} is a completed run (it has ${SUMMARY_FILE}): nothing to resume. Report: ${join(dir, 'report.html')}`);
  if (json) ui.emitJson(JSON.parse(readFileSync(join(dir, SUMMARY_FILE), 'utf8')));
  return 0;
}

/** The checkpoint to continue from (with a line saying where), or null to train from the start. */
export async function resumePoint(resume: Resume | null, ckptDir: string, ui: Ui): Promise<wg.train.TrainingCheckpoint | null> {
  if (!resume) return null;
  if (!(await wg.train.findCheckpoint(ckptDir))) {
    ui.log(`Resuming ${resume.dir}: it has no checkpoint yet (stopped before the first one), so training starts from the beginning with the saved settings`);
    return null;
  }
  const ckpt = await wg.train.loadCheckpoint(ckptDir, { op: 'webgrad train --resume', arg: 'checkpoint' });
  const at = ckpt.position;
  ui.log(`Resuming ${resume.dir} from its checkpoint at epoch ${at.epoch + 1}, batch ${at.batch} (step ${at.step})`);
  return ckpt;
}
