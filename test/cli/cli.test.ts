/**
 * The command line end to end, in-process (main(argv, io)) on the CPU backend with tiny dimensions,
 * plus the bundled executable spawned for exit codes. The train run is the quick command:
 * `train --limit 300 --epochs 2 --finder-epochs 1 --units 4 --embedding-dim 4 --json --backend cpu`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/cli.js';
import * as wg from '../../src/index.js';
import { bundleCli, ROOT } from './bundle.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], cwd?: string): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    ...(cwd ? { cwd } : {}),
  });
  return { code, stdout, stderr };
}

let tmp: string;
let out: string;
let trained: Run;
let summary: Record<string, any>;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'webgrad-cli-'));
  out = join(tmp, 'run');
  trained = await run(['train', '--limit', '300', '--epochs', '2', '--finder-epochs', '1', '--units', '4', '--embedding-dim', '4', '--json', '--backend', 'cpu', '--out', out]);
  if (trained.code !== 0) throw new Error(`train failed (${trained.code}): ${trained.stderr}`);
  summary = JSON.parse(trained.stdout);
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('webgrad train', () => {
  it('prints only a parsable JSON summary on stdout with --json', () => {
    expect(summary).toMatchObject({ command: 'train', backend: 'cpu', adapter: 'none', outDir: out });
    expect(summary.testAccuracy).toBeGreaterThanOrEqual(0);
    expect(summary.testAccuracy).toBeLessThanOrEqual(1);
    expect(Number.isFinite(summary.testLoss)).toBe(true);
    expect(summary.learningRate).toBeGreaterThan(0);
    expect(summary.finder).toMatchObject({ rule: expect.any(String), suggestions: expect.any(Object), errors: expect.any(Object) });
    expect(summary.finder.steps).toBeGreaterThanOrEqual(2);
    expect([1, 2]).toContain(summary.epochsRun);
    expect(summary.bestEpoch).toBeGreaterThanOrEqual(1);
    expect(summary.samplesPerSec).toBeGreaterThan(0);
    expect(summary.data).toMatchObject({ train: 216, validation: 24, test: 60 });
    // Progress and messages went to stderr.
    expect(trained.stderr).toMatch(/Loading SpamAssassin .* texts in/);
    expect(trained.stderr).toMatch(/Fitting tokenizer \[=+\] 216\/216 .* texts\/s/);
    expect(trained.stderr).toMatch(/LR range test \[=+\]/);
    expect(trained.stderr).toMatch(/Epoch 1\/2 \[=+\] .* samples\/s .*val_accuracy/);
    // A completed bar is printed once off a terminal.
    expect(trained.stderr.match(/^Epoch 1\/2 /gm)).toHaveLength(1);
  });

  it('writes the report, the figures, the JSON data and the model', () => {
    for (const f of ['report.html', 'lr_finder.svg', 'history.svg', 'confusion_matrix.svg', 'history.json', 'lr_finder.json', 'report.json', 'summary.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readdirSync(join(out, 'model')).sort()).toEqual(['model.json', 'model.safetensors', 'tokenizer.json']);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(3);
    // Self-contained: no scripts or embedded resources, no attribute pointing anywhere with a scheme.
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed|image)\b/i);
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/<[^>]*\s(src|href|xlink:href)="[a-z][\w+.-]*:/i);
    expect(html.match(/<style>([\s\S]*?)<\/style>/)![1]).not.toMatch(/url\(|@import/);
    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8'));
    expect(history.history.val_accuracy).toHaveLength(summary.epochsRun);
    const finder = JSON.parse(readFileSync(join(out, 'lr_finder.json'), 'utf8'));
    expect(finder.lrs.length).toBe(summary.finder.steps);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(summary);
  });

  it('evaluate rebuilds the same test split and reproduces the test accuracy exactly', async () => {
    const r = await run(['evaluate', '--model', join(out, 'model'), '--json', '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e).toMatchObject({ command: 'evaluate', split: 'test', n: 60, labels: ['ham', 'spam'] });
    expect(e.accuracy).toBe(summary.testAccuracy);
    expect(e.loss).toBe(summary.testLoss);
    expect(e.confusion).toEqual(summary.confusion);
  });

  it('predict prints one probability per text, identical to the in-memory model', async () => {
    const texts = ['FREE money!!! click here to claim your prize now', 'see you at the meeting on monday, bring the slides'];
    const r = await run(['predict', '--model', join(out, 'model'), '--backend', 'cpu', ...texts]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^[01]\.\d{4}\t(ham|spam)\t/);
    const j = JSON.parse((await run(['predict', '--model', join(out, 'model'), '--backend', 'cpu', '--json', ...texts])).stdout);
    const { model, tokenizer } = await wg.loadModelBundle(join(out, 'model'));
    const x = wg.data.padSequences(tokenizer!.textsToSequences(texts), { maxlen: 120, padding: 'pre', truncating: 'post' });
    const p = model.predict(wg.tensor(x.data, x.shape, 'int32'));
    expect(j.predictions.map((q: { probability: number }) => q.probability)).toEqual(Array.from(await p.data()));
    p.dispose();
    model.dispose();
  });
});

describe('bad usage', () => {
  const cases: [string[], RegExp][] = [
    [['train', '--epoch', '3'], /^webgrad train: error: unknown flag --epoch \(did you mean --epochs\?\)$/],
    [['train', '--batch-size', '-5'], /^webgrad train: error: --batch-size must be at least 1, got -5$/],
    [['train', '--maxlen', '0'], /^webgrad train: error: --maxlen must be at least 1, got 0$/],
    [['train', '--data', 'no/such/aclImdb.tar.gz'], /^webgrad train: error: --data no\/such\/aclImdb\.tar\.gz: no such file or folder$/],
    [['train', '--csv', 'a.csv', '--jsonl', 'b.jsonl'], /^webgrad train: error: --csv a\.csv: no such file or folder$/],
    [['train', '--finder-start-lr', '1', '--finder-end-lr', '0.1'], /^webgrad train: error: --finder-end-lr \(0\.1\) must be greater than --finder-start-lr \(1\)$/],
    [['trian'], /^webgrad: error: unknown command 'trian' \(did you mean train\?\)$/],
    [['predict', '--model', '.'], /^webgrad predict: error: missing TEXT\.\.\.$/],
  ];
  it.each(cases)('%j: one-line error and usage, exit 2, nothing written', async (argv, re) => {
    const cwd = mkdtempSync(join(tmp, 'cwd-'));
    const r = await run(argv, cwd);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(re);
    expect(lines[1]).toMatch(/^Usage: webgrad /);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('a model folder that does not load is a one-line runtime error (exit 1)', async () => {
    const r = await run(['predict', '--model', tmp, '--backend', 'cpu', 'hello']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^webgrad predict: error: cannot load the model: .*model\.json: not found/);
  });

  it('--help for every command', async () => {
    for (const cmd of ['train', 'find-lr', 'study-batch', 'evaluate', 'predict']) {
      const r = await run([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: webgrad ${cmd} \\[options\\]`));
    }
    const r = await run([]);
    expect(r.stdout).toMatch(/Commands:\n {2}train/);
  });
});

describe('the bundled executable', () => {
  it('runs with a shebang and exits 0 / 2 / 1', async () => {
    const bin = await bundleCli(join(ROOT, 'test-output/cli/main.js'));
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const ok = spawnSync(process.execPath, [bin, 'train', '--help'], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('--finder-epochs');
    const bad = spawnSync(process.execPath, [bin, 'train', '--batch-size', '-1'], { encoding: 'utf8', cwd: tmp });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^webgrad train: error: --batch-size must be at least 1, got -1\nUsage: /);
    const missing = spawnSync(process.execPath, [bin, 'evaluate', '--model', tmp, '--backend', 'cpu'], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/model\.json: not found/);
  });
});
