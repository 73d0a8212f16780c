/**
 * The benchmark history: bench/results/history.jsonl holds one line per run (the browser bench
 * and, through `npm run bench`, the Node training bench), and bench/results/history.svg charts
 * training samples/s per configuration over those runs, one panel per batch size (log scale).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { plot } from '../../src/index.js';

export interface HistoryEntry {
  /** Entries of one `npm run bench` share this id (its start time); a lone run uses its own date. */
  run?: string;
  date: string;
  commit: string | null;
  dirty: boolean | null;
  /** Host, CPU model and cores. */
  machine: string;
  /** 'browser' (Chromium page) or 'node' (bench/train-step.ts). */
  source: 'browser' | 'node';
  quick: boolean;
  /** The WebGPU adapter (or 'no adapter'). */
  device: string;
  /** The full results file of that run. */
  file: string;
  /** Samples/s by "configuration @batch". */
  train: Record<string, number>;
  infer: Record<string, number>;
}

export function appendHistory(file: string, entry: HistoryEntry): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

export function readHistory(file: string): HistoryEntry[] {
  if (!existsSync(file)) return [];
  const out: HistoryEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as HistoryEntry);
    } catch {
      // A torn line (an interrupted run) is skipped, not fatal.
    }
  }
  return out;
}

/** Colours by library/backend; Node series are dashed. */
function styleFor(name: string): { color: string; dash?: string } {
  const [source, config] = name.split(': ') as [string, string];
  const colors: [RegExp, string][] = [
    [/^webgrad webgpu ra=true/, '#4e79a7'],
    [/^webgrad webgpu ra=false/, '#76b7b2'],
    [/^webgrad cpu ra=true/, '#59a14f'],
    [/^webgrad cpu ra=false/, '#8cd17d'],
    [/^tfjs webgpu/, '#e15759'],
    [/^tfjs wasm patched/, '#f28e2b'],
    [/^tfjs wasm stock/, '#ffbe7d'],
    [/^tfjs cpu patched/, '#b07aa1'],
    [/^tfjs cpu stock/, '#d4a6c8'],
    [/^pytorch/, '#9c755f'],
  ];
  const color = colors.find(([re]) => re.test(config))?.[1] ?? '#bab0ac';
  return source === 'node' ? { color, dash: '6 4' } : { color };
}

/**
 * Writes the chart: x = run number (in date order; the Node and browser parts of one `npm run
 * bench` share a number), y = training samples/s, one line per "source: configuration", one panel
 * per batch size. Returns the path written.
 */
export function writeHistoryChart(historyFile: string, svgFile: string): string {
  const runs = readHistory(historyFile).sort((a, b) => a.date.localeCompare(b.date));
  const ids = [...new Set(runs.map((r) => r.run ?? r.date))];
  const runNumber = (r: HistoryEntry) => ids.indexOf(r.run ?? r.date) + 1;
  const batches = [...new Set(runs.flatMap((r) => Object.keys(r.train).map((k) => Number(k.split('@').at(-1)))))].filter(Number.isFinite).sort((a, b) => a - b);
  const width = 820;
  const panelHeight = 360;
  const panels: string[] = [];
  const all = runs.flatMap((r) => Object.values(r.train)).filter((v) => v > 0);
  const yDomain: [number, number] = all.length ? [10 ** Math.floor(Math.log10(Math.min(...all))), 10 ** Math.ceil(Math.log10(Math.max(...all)))] : [1, 10];
  const first = runs[0]?.date.slice(0, 10) ?? '—';
  const last = runs.at(-1)?.date.slice(0, 10) ?? '—';
  batches.forEach((batch, i) => {
    const names = [...new Set(runs.flatMap((r) => Object.keys(r.train).filter((k) => k.endsWith(`@${batch}`)).map((k) => `${r.source}: ${k.slice(0, k.lastIndexOf(' @'))}`)))].sort();
    const series = names.map((name) => {
      const [source, config] = name.split(': ') as [string, string];
      const x: number[] = [];
      const y: number[] = [];
      for (const r of runs) {
        if (r.source !== source) continue;
        const v = r.train[`${config} @${batch}`];
        if (v !== undefined && v > 0) {
          x.push(runNumber(r));
          y.push(v);
        }
      }
      return { name, x, y, dots: true, ...styleFor(name) };
    });
    panels.push(
      plot.renderLinePanel(
        {
          title: `Training samples/s at batch ${batch}`,
          subtitle: i === 0 ? `${ids.length} runs, ${first} … ${last}; solid: Chromium page (same adapter), dashed: Node (bench:train); log scale` : undefined,
          x: { label: 'run', integer: true, domain: [0.5, Math.max(1.5, ids.length + 0.5)] },
          y: { label: 'samples/s', log: true, domain: yDomain },
          series,
          idPrefix: `hist${batch}`,
        },
        { x: 0, y: i * panelHeight, width, height: panelHeight },
      ),
    );
  });
  const height = Math.max(1, batches.length) * panelHeight;
  const body = panels.length ? panels.join('') : `<text x="20" y="40" font-size="14">no benchmark history yet</text>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" role="img" aria-label="webgrad benchmark history"><title>webgrad benchmark history</title><rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>${body}</svg>\n`;
  mkdirSync(dirname(svgFile), { recursive: true });
  writeFileSync(svgFile, svg);
  return svgFile;
}
