/**
 * Regenerates bench/results/history.svg from bench/results/history.jsonl (`node
 * dist/bench/history-chart.js [HISTORY.jsonl] [OUT.svg]`). bench:browser and bench do this after
 * every run; this is for redrawing by hand.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readHistory, writeHistoryChart } from './lib/history.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const history = resolve(process.argv[2] ?? join(ROOT, 'bench/results/history.jsonl'));
const out = resolve(process.argv[3] ?? join(ROOT, 'bench/results/history.svg'));
const runs = readHistory(history);
console.log(`${runs.length} entries in ${history}; wrote ${writeHistoryChart(history, out)}`);
