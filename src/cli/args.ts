/**
 * A small, strict command-line parser driven by flag tables: `--name value`, `--name=value`,
 * booleans as `--name` / `--no-name`, camelCase spellings accepted (`--numWords` = `--num-words`).
 * Every value is checked (type, range, choices, paths that must exist) before a command runs, and
 * an unknown flag gets a "did you mean". Errors are {@link UsageError}s: one line for the user.
 */
import { editDistance } from '../tensor/errors.js';

export type FlagType = 'int' | 'number' | 'string' | 'bool' | 'choice' | 'path' | 'int-list';

export interface FlagSpec {
  /** kebab-case, without dashes: 'num-words'. */
  name: string;
  type: FlagType;
  help: string;
  /** Default value (already typed); undefined = not set. */
  default?: unknown;
  /** For 'choice'. */
  choices?: readonly string[];
  /** Inclusive bounds for numbers (and every element of an int-list). */
  min?: number;
  max?: number;
  /** Exclusive lower bound (e.g. learning rates > 0). */
  gt?: number;
  /** Exclusive upper bound. */
  lt?: number;
  /** For 'path': what must exist. */
  exists?: 'file' | 'dir' | 'any';
  /** Placeholder in help: N, PATH, LR… */
  metavar?: string;
  /** Heading the flag is listed under in --help. */
  group?: string;
  /** Value taken when the flag comes last or before another flag: its value is optional (`--resume [DIR]`). */
  implicit?: unknown;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Extra paragraphs for --help (notes, examples). */
  details?: string;
  /** Positional arguments, e.g. ['TEXT...']; empty for none. */
  positionals?: { name: string; help: string; min: number; max: number };
  flags: readonly FlagSpec[];
}

/** A mistake in how the command was called: printed as one line plus the usage. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The closest candidates to `word` (at most 3), if any is close enough to be a plausible typo. */
export function suggest(word: string, candidates: readonly string[]): string[] {
  const w = word.toLowerCase();
  const scored = candidates
    .map((c) => {
      const cl = c.toLowerCase();
      // A prefix or a contained word (--epoch for --epochs, --lr for --finder-start-lr) counts as close.
      const d = w.length >= 3 && (cl.startsWith(w) || w.startsWith(cl)) ? Math.min(1, editDistance(w, cl)) : editDistance(w, cl);
      return { c, d };
    })
    .filter(({ c, d }) => d <= Math.max(1, Math.floor(Math.max(c.length, w.length) / 3)))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c));
  if (scored.length === 0) return [];
  const best = scored[0]!.d;
  return scored.filter((s) => s.d <= best + 1).slice(0, 3).map((s) => s.c);
}

/** "did you mean --epochs?" or "" */
export function didYouMean(word: string, candidates: readonly string[], prefix = ''): string {
  const s = suggest(word, candidates);
  if (s.length === 0) return '';
  return ` (did you mean ${s.map((c) => `${prefix}${c}`).join(' or ')}?)`;
}

/** kebab-case from camelCase: numWords → num-words. */
export function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** camelCase from kebab-case: num-words → numWords. */
export function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export interface ParsedArgs {
  /** Flag values by camelCase name, defaults filled in. */
  values: Record<string, unknown>;
  /** Flags the user actually gave (camelCase). */
  given: Set<string>;
  positionals: string[];
  help: boolean;
}

function convert(spec: FlagSpec, raw: string, cmd: string, exists: (p: string) => 'file' | 'dir' | null): unknown {
  const flag = `--${spec.name}`;
  const bad = (why: string): never => {
    throw new UsageError(`${flag} ${why}`, cmd);
  };
  const checkRange = (v: number) => {
    if (spec.min !== undefined && v < spec.min) bad(`must be at least ${spec.min}, got ${raw}`);
    if (spec.max !== undefined && v > spec.max) bad(`must be at most ${spec.max}, got ${raw}`);
    if (spec.gt !== undefined && !(v > spec.gt)) bad(`must be greater than ${spec.gt}, got ${raw}`);
    if (spec.lt !== undefined && !(v < spec.lt)) bad(`must be less than ${spec.lt}, got ${raw}`);
  };
  switch (spec.type) {
    case 'int': {
      if (!/^[-+]?\d+$/.test(raw.trim())) bad(`needs a whole number, got ${JSON.stringify(raw)}`);
      const v = Number(raw);
      if (!Number.isSafeInteger(v)) bad(`is out of range: ${raw}`);
      checkRange(v);
      return v;
    }
    case 'number': {
      const v = raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(v)) bad(`needs a number, got ${JSON.stringify(raw)}`);
      checkRange(v);
      return v;
    }
    case 'int-list': {
      const parts = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (parts.length === 0) bad(`needs a comma-separated list of whole numbers, got ${JSON.stringify(raw)}`);
      return parts.map((p) => {
        if (!/^[-+]?\d+$/.test(p)) bad(`needs a comma-separated list of whole numbers, got ${JSON.stringify(raw)}`);
        const v = Number(p);
        if (spec.min !== undefined && v < spec.min) bad(`values must be at least ${spec.min}, got ${p}`);
        if (spec.max !== undefined && v > spec.max) bad(`values must be at most ${spec.max}, got ${p}`);
        return v;
      });
    }
    case 'choice': {
      if (!spec.choices!.includes(raw)) bad(`must be one of ${spec.choices!.join(', ')}; got ${JSON.stringify(raw)}${didYouMean(raw, spec.choices!)}`);
      return raw;
    }
    case 'path': {
      if (raw === '') bad('needs a path');
      if (spec.exists) {
        const kind = exists(raw);
        if (kind === null) bad(`${raw}: no such file or folder`);
        if (spec.exists === 'file' && kind !== 'file') bad(`${raw} is a folder, not a file`);
        if (spec.exists === 'dir' && kind !== 'dir') bad(`${raw} is a file, not a folder`);
      }
      return raw;
    }
    default:
      return raw;
  }
}

function parseBool(raw: string, flag: string, cmd: string): boolean {
  if (/^(true|yes|1|on)$/i.test(raw)) return true;
  if (/^(false|no|0|off)$/i.test(raw)) return false;
  throw new UsageError(`${flag} takes no value (or true/false), got ${JSON.stringify(raw)}`, cmd);
}

/**
 * Parses `argv` (after the command name) against a command's flags. `exists` answers whether a
 * path is a file, a folder, or missing (injected so the parser stays testable).
 */
export function parseArgs(cmd: CommandSpec, argv: readonly string[], exists: (p: string) => 'file' | 'dir' | null = () => 'file'): ParsedArgs {
  const byName = new Map(cmd.flags.map((f) => [f.name, f]));
  const values: Record<string, unknown> = {};
  const given = new Set<string>();
  const positionals: string[] = [];
  let help = false;
  const names = cmd.flags.map((f) => f.name);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    if (!arg.startsWith('--')) {
      throw new UsageError(`unknown option ${arg} (options are spelled with two dashes)${didYouMean(arg.replace(/^-+/, ''), names, '--')}`, cmd.name);
    }
    const eq = arg.indexOf('=');
    const rawName = kebab(arg.slice(2, eq >= 0 ? eq : undefined));
    let inline: string | undefined = eq >= 0 ? arg.slice(eq + 1) : undefined;
    let spec = byName.get(rawName);
    let negated = false;
    if (!spec && rawName.startsWith('no-')) {
      const s = byName.get(rawName.slice(3));
      if (s?.type === 'bool') {
        spec = s;
        negated = true;
      }
    }
    if (!spec) {
      const candidates = [...names, ...cmd.flags.filter((f) => f.type === 'bool').map((f) => `no-${f.name}`), 'help'];
      throw new UsageError(`unknown flag --${rawName}${didYouMean(rawName, candidates, '--')}`, cmd.name);
    }
    const key = camel(spec.name);
    if (given.has(key)) throw new UsageError(`--${spec.name} is given twice`, cmd.name);
    given.add(key);
    if (spec.type === 'bool') {
      if (negated && inline !== undefined) throw new UsageError(`--no-${spec.name} takes no value`, cmd.name);
      values[key] = negated ? false : inline === undefined ? true : parseBool(inline, `--${spec.name}`, cmd.name);
      continue;
    }
    if (inline === undefined) {
      const next = argv[i + 1];
      // A value may start with '-' only when it is a number (--min-delta -0.01 is still refused by range checks).
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        if (spec.implicit !== undefined) {
          values[key] = spec.implicit;
          continue;
        }
        throw new UsageError(`--${spec.name} needs a value${spec.metavar ? ` (${spec.metavar})` : ''}`, cmd.name);
      }
      inline = next;
      i++;
    }
    values[key] = convert(spec, inline, cmd.name, exists);
  }
  for (const f of cmd.flags) {
    const key = camel(f.name);
    if (!(key in values) && f.default !== undefined) values[key] = f.default;
  }
  const pos = cmd.positionals;
  if (!help) {
    if (!pos && positionals.length > 0) {
      throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}${positionals[0]!.length > 1 ? didYouMean(positionals[0]!, names, '--') : ''}`, cmd.name);
    }
    if (pos && positionals.length < pos.min) throw new UsageError(`missing ${pos.name}`, cmd.name);
    if (pos && positionals.length > pos.max) throw new UsageError(`too many arguments (expected at most ${pos.max} ${pos.name})`, cmd.name);
  }
  return { values, given, positionals, help };
}

function fmtDefault(f: FlagSpec): string {
  if (f.default === undefined || f.type === 'bool') return '';
  if (Array.isArray(f.default)) return ` (default ${f.default.join(',')})`;
  if (f.default === '') return ' (default: none)';
  if (typeof f.default === 'number' && f.default !== 0 && Math.abs(f.default) < 1e-3) return ` (default ${f.default.toExponential().replace('e-', 'e-')})`;
  return ` (default ${String(f.default)})`;
}

/** The --help text of a command: usage, summary, flags grouped, details. */
export function formatHelp(program: string, cmd: CommandSpec, width = 100): string {
  const lines: string[] = [];
  lines.push(`Usage: ${usageLine(program, cmd)}`, '', cmd.summary, '');
  const groups = new Map<string, FlagSpec[]>();
  for (const f of cmd.flags) {
    const g = f.group ?? 'Options';
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(f);
  }
  const left = (f: FlagSpec) => {
    if (f.type === 'bool') return `--${f.name}${f.default === true ? `, --no-${f.name}` : ''}`;
    const meta = f.metavar ?? (f.type === 'choice' ? f.choices!.join('|') : f.type === 'int' ? 'N' : f.type === 'number' ? 'X' : f.type === 'path' ? 'PATH' : f.type === 'int-list' ? 'N,N,…' : 'S');
    return `--${f.name} ${f.implicit !== undefined ? `[${meta}]` : meta}`;
  };
  const col = Math.min(34, Math.max(...cmd.flags.map((f) => left(f).length)) + 4);
  if (cmd.positionals) lines.push('Arguments:', `  ${cmd.positionals.name.padEnd(col - 2)}${cmd.positionals.help}`, '');
  for (const [g, flags] of groups) {
    lines.push(`${g}:`);
    for (const f of flags) {
      const l = `  ${left(f)}`;
      const help = `${f.help}${fmtDefault(f)}${f.type === 'bool' && f.default === true ? ' (on by default)' : ''}`;
      const wrapped = wrap(help, width - col);
      if (l.length >= col) lines.push(l, ...wrapped.map((w) => ' '.repeat(col) + w));
      else lines.push(l.padEnd(col) + wrapped[0], ...wrapped.slice(1).map((w) => ' '.repeat(col) + w));
    }
    lines.push('');
  }
  lines.push(`  -h, --help`.padEnd(col) + 'show this help', '');
  if (cmd.details) lines.push(cmd.details.trim(), '');
  return lines.join('\n');
}

export function usageLine(program: string, cmd: CommandSpec): string {
  return `${program} ${cmd.name} [options]${cmd.positionals ? ` ${cmd.positionals.name}` : ''}`;
}

export function wrap(s: string, width: number): string[] {
  const words = s.split(/\s+/);
  const out: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width) {
      out.push(line);
      line = w;
    } else {
      line = line ? `${line} ${w}` : w;
    }
  }
  if (line) out.push(line);
  return out.length ? out : [''];
}
