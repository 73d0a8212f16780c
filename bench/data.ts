// Data pipeline benchmark (issue: text data pipeline): load + tokenize + pad all 50,000 IMDB
// reviews, per stage wall time, CPU time and peak memory. Usage:
//   npm run bench:data [-- --data PATH] [--json FILE]
import { existsSync } from 'node:fs';
import { padSequences } from '../src/data/pad.js';
import { loadImdb } from '../src/data/imdb.js';
import { Tokenizer } from '../src/data/tokenizer.js';
import { describeEnvironment } from './lib/env.js';
import { flagValue } from './lib/flags.js';
import { defaultJsonPath, fmt, formatTable, writeJson } from './lib/report.js';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => flagValue(name, argv);
const path = flag('--data') ?? process.env.WEBGRAD_IMDB ?? '../shared/data/aclImdb_labeled.tar.gz';
if (!existsSync(path)) {
  console.error(`bench:data: no IMDB archive at ${path} (pass --data PATH or set WEBGRAD_IMDB)`);
  process.exit(2);
}

let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const rows: { stage: string; seconds: number; cpuSeconds: number }[] = [];
async function stage<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = await fn();
  const cpu = process.cpuUsage(cpu0);
  rows.push({ stage: name, seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
  return out;
}

const imdb = await stage('load (gunzip + tar, 50,000 reviews)', () => loadImdb({ path }));
const tok = new Tokenizer({ numWords: 10000, oovToken: '<OOV>' });
await stage('fitOnTexts (25,000 train reviews)', () => tok.fitOnTexts(imdb.train.texts));
const seqs = await stage('textsToSequences (50,000)', () => [tok.textsToSequences(imdb.train.texts), tok.textsToSequences(imdb.test.texts)]);
await stage('padSequences (maxlen 120, truncating post)', () => seqs.map((s) => padSequences(s, { maxlen: 120, truncating: 'post' })));
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);

const total = rows.reduce((a, r) => a + r.seconds, 0);
const totalCpu = rows.reduce((a, r) => a + r.cpuSeconds, 0);
console.log(
  formatTable(
    ['stage', 'seconds', 'cpu seconds'],
    [...rows.map((r) => [r.stage, fmt(r.seconds), fmt(r.cpuSeconds)]), ['total', fmt(total), fmt(totalCpu)]],
  ),
);
console.log(`vocabulary ${tok.wordIndex.size} words · peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB · goal: under 6 s`);
const out = flag('--json') ?? defaultJsonPath('data');
writeJson(out, { ...describeEnvironment([]), archive: path, stages: rows, totalSeconds: total, totalCpuSeconds: totalCpu, peakRssBytes: peak, vocabulary: tok.wordIndex.size });
console.log(`wrote ${out}`);
