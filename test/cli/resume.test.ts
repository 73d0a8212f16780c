/**
 * `webgrad train --resume` through the bundled executable: a run is killed with SIGKILL after a
 * seeded-random number of checkpoint writes (twice), resumed each time, and must end with model
 * weights bit-identical to an uninterrupted run with the same flags (CPU backend), the same
 * history, and without running the LR range test again. Argument errors run in-process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/cli.js';
import { mulberry32 } from '../../src/data/rng.js';
import { bundleCli, ROOT } from './bundle.js';

const bin = join(ROOT, 'test-output/cli-resume', `main-${process.pid}.js`);
// RESUME_TEST_SEED tries other kill points.
const SEED = Number(process.env.RESUME_TEST_SEED ?? 20261126);

let tmp: string;
let csv: string;
/** 45 training steps: 3 epochs of 15 batches of 8 (115 training texts), a checkpoint every 2 steps. */
let flags: string[];

/** Seeded, for reproducible data and kill points. */
const rng = (seed: number) => {
  const r = mulberry32(seed);
  return () => r.next();
};

/** A small separable text task: class 1 texts use a few "spam" words. */
function writeCsv(path: string): void {
  const r = rng(7);
  const plain = Array.from({ length: 40 }, (_, i) => `w${i}`);
  const spam = ['free', 'win', 'prize', 'cash', 'offer'];
  const rows = ['text,label'];
  for (let i = 0; i < 160; i++) {
    const label = i % 2;
    const pick = (from: string[]) => from[Math.floor(r() * from.length)]!;
    const words = Array.from({ length: 4 + Math.floor(r() * 10) }, () => pick(label && r() < 0.4 ? spam : plain));
    rows.push(`${words.join(' ')},${label}`);
  }
  writeFileSync(path, `${rows.join('\n')}\n`);
}

interface Child {
  code: number | null;
  stdout: string;
  stderr: string;
  killed: boolean;
  writes: number;
}

/** Spawns the CLI; with `killAfter`, SIGKILLs it `jitterMs` after it has replaced its checkpoint that many times. */
function cli(args: string[], kill?: { after: number; jitterMs: number; dir: string }): Promise<Child> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    const res: Child = { code: null, stdout: '', stderr: '', killed: false, writes: 0 };
    child.stdout.on('data', (d: Buffer) => void (res.stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (res.stderr += d.toString()));
    let last = '';
    // Every checkpoint is a new file renamed into place: a new inode.
    const poll = kill && setInterval(() => {
      const st = statSync(join(kill.dir, 'checkpoint', 'checkpoint.safetensors'), { throwIfNoEntry: false });
      const key = st ? `${st.ino}:${st.mtimeMs}` : '';
      if (key === '' || key === last) return;
      last = key;
      if (++res.writes === kill.after && !res.killed) {
        res.killed = true;
        setTimeout(() => child.kill('SIGKILL'), kill.jitterMs);
      }
    }, 1);
    child.on('error', reject);
    child.on('close', (code) => {
      if (poll) clearInterval(poll);
      res.code = code;
      done(res);
    });
  });
}

async function inProcess(argv: string[], cwd = tmp) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, cwd });
  return { code, stdout, stderr };
}

const weights = (run: string) => readFileSync(join(run, 'model', 'model.safetensors'));
const history = (run: string) => {
  const h = JSON.parse(readFileSync(join(run, 'history.json'), 'utf8'));
  return { epoch: h.epoch, history: h.history, bestEpoch: h.bestEpoch, stoppedEpoch: h.stoppedEpoch, restored: h.restored };
};

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'webgrad-resume-'));
  csv = join(tmp, 'data.csv');
  writeCsv(csv);
  flags = ['train', '--csv', csv, '--backend', 'cpu', '--epochs', '3', '--batch-size', '8', '--checkpoint-every', '2', '--units', '4', '--embedding-dim', '4',
    '--dense-units', '4', '--maxlen', '16', '--num-words', '64', '--finder-steps', '12', '--finder-start-lr', '1e-3', '--patience', '5', '--seed', '3', '--json'];
  await bundleCli(bin);
});

afterAll(() => {
  if (!process.env.KEEP) rmSync(tmp, { recursive: true, force: true });
  rmSync(bin, { force: true });
});

describe('webgrad train --resume after SIGKILL', () => {
  const ref = () => join(tmp, 'ref');
  let final: Child;
  const kills: { after: number; jitterMs: number; writes: number }[] = [];

  beforeAll(async () => {
    const killed = join(tmp, 'killed');
    const random = rng(SEED);
    const runKilled = async () => {
      let r: Child | null = null;
      for (let attempt = 0; attempt < 4; attempt++) {
        // Two kills, then let it finish. The first run has ~24 writes, a resumed one fewer: aim early.
        const kill = attempt < 2 ? { after: 1 + Math.floor(random() * 8), jitterMs: Math.floor(random() * 5), dir: killed } : undefined;
        r = await cli(attempt === 0 ? [...flags, '--out', killed] : ['train', '--resume', killed, '--json'], kill);
        if (r.code === 0) break;
        expect(r.killed, r.stderr).toBe(true);
        kills.push({ after: kill!.after, jitterMs: kill!.jitterMs, writes: r.writes });
      }
      return r!;
    };
    // The reference and the killed runs side by side (two cores).
    const [reference, last] = await Promise.all([cli([...flags, '--out', ref()]), runKilled()]);
    expect(reference.code, reference.stderr).toBe(0);
    final = last;
  });

  it('ends with bit-identical weights and the same history', () => {
    const killed = join(tmp, 'killed');
    expect(final.code, final.stderr).toBe(0);
    expect(kills.length, `seed ${SEED}`).toBeGreaterThanOrEqual(1);
    expect(weights(killed).equals(weights(ref())), `seed ${SEED}, kills ${JSON.stringify(kills)}`).toBe(true);
    expect(history(killed)).toEqual(history(ref()));
    const s = JSON.parse(final.stdout);
    const r = JSON.parse(readFileSync(join(ref(), 'summary.json'), 'utf8'));
    expect(s.resumedFrom).toMatchObject({ epoch: expect.any(Number), step: expect.any(Number) });
    expect(r.resumedFrom).toBeNull();
    expect(s.testAccuracy).toBe(r.testAccuracy);
    expect(s.confusion).toEqual(r.confusion);
  });

  it('skips the LR range test on resume but reports the original one', () => {
    const killed = join(tmp, 'killed');
    expect(final.stderr).toMatch(/Resuming .*killed from its checkpoint at epoch \d, batch \d+ \(step \d+\)/);
    expect(final.stderr).toMatch(/LR range test skipped/);
    expect(final.stderr).not.toMatch(/LR range test \[/);
    const s = JSON.parse(final.stdout);
    expect(s.learningRate).toBe(JSON.parse(readFileSync(join(ref(), 'summary.json'), 'utf8')).learningRate);
    expect(s.learningRateSource).toMatch(/^finder:/);
    expect(existsSync(join(killed, 'lr_finder.svg'))).toBe(true);
    expect(JSON.parse(readFileSync(join(killed, 'report.json'), 'utf8')).finder.chosen.lr).toBe(s.learningRate);
  });

  it('keeps run.json and removes the checkpoint once the run completes', () => {
    for (const run of [ref(), join(tmp, 'killed')]) {
      expect(existsSync(join(run, 'run.json'))).toBe(true);
      expect(existsSync(join(run, 'checkpoint'))).toBe(false);
    }
  });

  it('a run killed before its first checkpoint starts over from the saved settings, with the same result', async () => {
    const early = join(tmp, 'early');
    mkdirSync(early);
    for (const f of ['run.json', 'lr_finder.json']) copyFileSync(join(ref(), f), join(early, f));
    const r = await inProcess(['train', '--resume', early, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/no checkpoint yet .* training starts from the beginning/);
    expect(weights(early).equals(weights(ref()))).toBe(true);
    expect(history(early)).toEqual(history(ref()));
  });

  it('a completed run is reported as such (exit 0, its summary with --json)', async () => {
    const r = await inProcess(['train', '--resume', ref(), '--json', '--epochs', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/is a completed run .*nothing to resume/);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync(join(ref(), 'summary.json'), 'utf8')));
  });

  it('a bare --resume continues the latest run in ./runs', async () => {
    const cwd = mkdtempSync(join(tmp, 'cwd-'));
    for (const [name, created] of [['b', '2026-01-02T00:00:00.000Z'], ['a', '2026-01-01T00:00:00.000Z']]) {
      mkdirSync(join(cwd, 'runs', name!), { recursive: true });
      writeFileSync(join(cwd, 'runs', name!, 'run.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(ref(), 'run.json'), 'utf8')), created }));
      copyFileSync(join(ref(), 'summary.json'), join(cwd, 'runs', name!, 'summary.json'));
    }
    const r = await inProcess(['train', '--resume'], cwd);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${join(cwd, 'runs', 'b')} is a completed run`);
  });

  const bad: [string, (dir: string) => string[], RegExp][] = [
    ['a folder that is not a run', () => ['--resume', tmp], /^webgrad train: error: --resume .* is not a train run folder \(it has no run\.json/],
    ['a folder that does not exist', () => ['--resume', 'no/such/run'], /^webgrad train: error: --resume no\/such\/run: no such file or folder$/],
    ['a contradicting flag', (d) => ['--resume', d, '--epochs', '5'], /^webgrad train: error: --epochs 5 contradicts the interrupted run's --epochs 3 \(.*run\.json\); leave it out to resume$/],
    ['a contradicting --lr', (d) => ['--resume', d, '--lr', '0.5'], /^webgrad train: error: --lr 0\.5 contradicts the interrupted run's --lr [\d.e-]+ /],
    ['a flag the run did not use', (d) => ['--resume', d, '--limit', '50'], /^webgrad train: error: --limit 50 contradicts the interrupted run's no --limit /],
    ['another data file', (d) => ['--resume', d, '--csv', 'other.csv'], /^webgrad train: error: --csv \/.*other\.csv contradicts the interrupted run's --csv \/.*data\.csv /],
    ['a boolean', (d) => ['--resume', d, '--no-restore'], /^webgrad train: error: --no-restore contradicts the interrupted run's --restore /],
    ['another --out', (d) => ['--resume', d, '--out', 'elsewhere'], /^webgrad train: error: --out elsewhere contradicts --resume .*: a resumed run writes into its own folder$/],
    ['no run in ./runs', () => ['--resume', '--epochs', '3'], /^webgrad train: error: --resume without a folder continues the latest run in .*runs, but there is none there$/],
  ];
  it.each(bad)('refuses %s (exit 2, nothing trained)', async (_what, argv, re) => {
    const cwd = mkdtempSync(join(tmp, 'bad-'));
    copyFileSync(csv, join(cwd, 'other.csv'));
    const r = await inProcess(['train', ...argv(ref())], cwd);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(re);
    expect(r.stdout).toBe('');
  });
});
