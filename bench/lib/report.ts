import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { forEachFlag } from './flags.js';

/** A plain-text table with right-aligned numeric columns. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.every((r) => /^[-+]?[\d.,]+[a-zA-Zµ/%]*$|^—$|^$/.test(r[i] ?? '')));
  const cell = (s: string, i: number) => (numeric[i] ? s.padStart(widths[i]!) : s.padEnd(widths[i]!));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => cell(c, i)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : `-${'-'.repeat(w + 1)}`)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Three significant digits, no exponent for the ranges benchmarks produce. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(x))));
  return x.toFixed(Math.min(digits, 4));
}

export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** `--json FILE`, `--quick`, `--only a,b`: the flags every bench understands. */
export function parseArgs(argv: readonly string[]): { json: string | null; quick: boolean; only: string[] | null; torchDevice: string } {
  let json: string | null = null;
  let quick = false;
  let only: string[] | null = null;
  let torchDevice = 'cpu';
  forEachFlag(argv, (a, value) => {
    if (a === '--json') json = value();
    else if (a === '--quick') quick = true;
    else if (a === '--only') only = value().split(',');
    else if (a === '--torch-device') torchDevice = value();
    else if (a === '--help' || a === '-h') {
      console.log('options: --json FILE (default bench/results/<name>-<date>.json), --quick (shorter runs), --only GROUP,… (bench:train: webgpu, cpu, tfjs-webgpu, tfjs-wasm, tfjs-cpu, torch, leak), --torch-device cpu|cuda (bench:train\'s live PyTorch)');
      process.exit(0);
    } else throw new Error(`unknown argument '${a}' (try --help)`);
  });
  return { json, quick, only, torchDevice };
}

export function defaultJsonPath(name: string, date = new Date()): string {
  const stamp = date.toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');
  return `bench/results/${name}-${stamp}.json`;
}
