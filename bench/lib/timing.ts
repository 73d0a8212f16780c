/**
 * Adaptive timing that works on slow and fast devices alike. `run(n)` does n iterations and resolves
 * when the device has finished them (for WebGPU: encode all n into one batch, then
 * `await backend.sync()`); it may return the seconds it spent before waiting (encoding), which is
 * reported too.
 *
 * After one warm-up call (pipeline compilation, pool warm-up), n doubles (or jumps by the predicted
 * factor, at most 10×) until one run lasts a third of the target: a fixed cost per batch (the submit
 * and the completion callback, several milliseconds with Dawn in Node) then weighs little, and a
 * single probe cannot mislead the count. The median of three runs at that n is reported; when one
 * iteration alone exceeds the target, the better of at most two single runs.
 */
export interface TimingOptions {
  /** Aim for this much measured time in total, in seconds (default 1). */
  targetSeconds?: number;
  /** Upper bound for n (default 100 000). */
  maxIters?: number;
  /** Skip the warm-up call (the pipeline is known to be compiled and the call is expensive). */
  noWarmup?: boolean;
}

export interface Timing {
  /** Seconds per iteration: the median run's time divided by its n. */
  seconds: number;
  /** Of those, the seconds per iteration spent before waiting for the device (when `run` reports it). */
  encodeSeconds: number | null;
  /** Iterations in each measured run. */
  iters: number;
  /** Measured runs at `iters` (the median is reported). */
  runs: number;
  /** Wall time spent on this measurement, warm-up and calibration included. */
  totalSeconds: number;
}

export const now = (): number => performance.now() / 1000;

type Run = (iters: number) => Promise<number | void> | number | void;

async function timed(run: Run, n: number): Promise<{ t: number; encode: number | null }> {
  const s = now();
  const encode = await run(n);
  return { t: now() - s, encode: typeof encode === 'number' ? encode : null };
}

export async function measure(run: Run, options: TimingOptions = {}): Promise<Timing> {
  const target = options.targetSeconds ?? 1;
  const maxIters = options.maxIters ?? 100_000;
  const t0 = now();
  if (!options.noWarmup) await run(1);
  let n = 1;
  let last = await timed(run, n);
  if (last.t > target) {
    // One iteration already costs the budget: report it as is, or the better of two when a second
    // one is affordable (on a shared machine one run can stall behind other processes).
    let runs = 1;
    if (last.t < 3 * target) {
      const again = await timed(run, n);
      runs = 2;
      if (again.t < last.t) last = again;
    }
    return { seconds: last.t, encodeSeconds: last.encode, iters: 1, runs, totalSeconds: now() - t0 };
  }
  while (last.t < target / 3 && n < maxIters) {
    const predicted = Math.ceil((n * (target / 3)) / Math.max(last.t, 1e-6));
    n = Math.min(maxIters, Math.max(2 * n, Math.min(10 * n, predicted)));
    last = await timed(run, n);
  }
  const samples = [last];
  for (let r = 0; r < 2; r++) samples.push(await timed(run, n));
  samples.sort((a, b) => a.t - b.t);
  const mid = samples[1]!;
  return { seconds: mid.t / n, encodeSeconds: mid.encode === null ? null : mid.encode / n, iters: n, runs: samples.length, totalSeconds: now() - t0 };
}
