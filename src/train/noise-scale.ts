/**
 * The gradient noise scale (McCandlish, Kaplan, Amodei et al. 2018, "An Empirical Model of
 * Large-Batch Training", Appendix A): how large a batch can get before the returns of a bigger
 * batch diminish. With |G_B|² the squared norm of the mean gradient over a batch of B samples,
 *
 *   E|G_B|² = |G|² + tr(Σ)/B,
 *
 * so two batch sizes give unbiased estimates of |G|² and S = tr(Σ):
 *
 *   |G|² ≈ (B_big·|G_big|² − B_small·|G_small|²) / (B_big − B_small)
 *   S    ≈ (|G_small|² − |G_big|²) / (1/B_small − 1/B_big)
 *
 * Both are averaged over many batches BEFORE dividing (the ratio of noisy estimates is biased),
 * and B_simple = S / |G|².
 *
 * Measurement: each big batch of B_big samples is split into k = B_big / B_small pieces; one
 * backward pass per piece gives k small-batch gradients, and their mean is exactly the big batch's
 * gradient (the loss is a mean over the batch). No optimizer step is taken; the weights, the
 * optimizer and the RNG are untouched.
 */
import type { Dataset } from '../data/dataset.js';
import type { ArrayData, TypedArray } from '../data/types.js';
import { getRngState, setRngState } from '../tensor/creation.js';
import { checkOptions, fail } from '../tensor/errors.js';
import { tidy } from '../tensor/scope.js';
import type { Tensor } from '../tensor/tensor.js';
import { batchTensors, toDataset, type ArrayInput } from './inputs.js';

/** What the gradient probe needs from a model (wg.sequential has it). */
export interface GradientModel {
  readonly trainableWeights: readonly { readonly value: Tensor }[];
  applyOne(x: Tensor, args?: { training?: boolean }): Tensor;
  readonly loss: ((yTrue: Tensor, yPred: Tensor) => Tensor) | null;
  readonly built?: boolean;
  build?(shape: readonly (number | null)[]): void;
}

/** The pure estimate from paired squared gradient norms. */
export interface NoiseScaleEstimate {
  bSmall: number;
  bBig: number;
  /** Mean over measurements of |G_small|² and |G_big|². */
  meanSmallSq: number;
  meanBigSq: number;
  /** Unbiased estimate of the true gradient's squared norm |G|² (averaged before dividing). */
  gradSq: number;
  /** Unbiased estimate of tr(Σ), the per-example gradient covariance's trace. */
  trace: number;
  /** B_simple = tr(Σ)/|G|²; NaN when |G|² is not positive (at or near a minimum: noise dominates). */
  bSimple: number;
  /** How many (small, big) measurements were averaged. */
  measurements: number;
}

/**
 * B_simple from squared norms measured at two batch sizes (McCandlish et al. 2018, App. A):
 * averages the |G|² and S estimators over all measurements, then divides.
 * `smallSq[i]` and `bigSq[i]` need not pair up; only their means are used.
 */
export function estimateNoiseScale(bSmall: number, bBig: number, smallSq: ArrayLike<number>, bigSq: ArrayLike<number>): NoiseScaleEstimate {
  if (!(bSmall > 0 && bBig > bSmall)) throw new RangeError(`estimateNoiseScale: need 0 < bSmall < bBig, got ${bSmall}, ${bBig}`);
  if (smallSq.length === 0 || bigSq.length === 0) throw new RangeError('estimateNoiseScale: need at least one measurement at each batch size');
  const mean = (a: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i]!;
    return s / a.length;
  };
  const ms = mean(smallSq);
  const mb = mean(bigSq);
  const gradSq = (bBig * mb - bSmall * ms) / (bBig - bSmall);
  const trace = (ms - mb) / (1 / bSmall - 1 / bBig);
  return { bSmall, bBig, meanSmallSq: ms, meanBigSq: mb, gradSq, trace, bSimple: gradSq > 0 ? trace / gradSq : NaN, measurements: Math.min(smallSq.length, bigSq.length) };
}

/**
 * The gradient of the model's compiled loss w.r.t. every trainable weight on one batch, without
 * an optimizer step, flattened into one Float64Array (in trainableWeights order). The model must
 * be compiled (it supplies the loss).
 */
export async function batchGradient(model: GradientModel, x: Tensor, y: Tensor): Promise<Float64Array> {
  const lossFn = model.loss;
  if (!lossFn) fail('batchGradient', 'the model is not compiled; call model.compile({ optimizer, loss }) first');
  if (model.built === false && model.build) model.build(x.shape);
  const params = model.trainableWeights.map((w) => w.value);
  const clear = () => {
    for (const p of params) {
      p.grad?.dispose();
      p.grad = null;
    }
  };
  clear();
  let grads: (Tensor | null)[];
  try {
    tidy(() => {
      const pred = model.applyOne(x, { training: true });
      lossFn(y, pred).backward();
    });
    grads = params.map((p) => p.grad);
    const parts = await Promise.all(grads.map((g) => (g ? g.data() : null)));
    const total = params.reduce((n, p) => n + p.size, 0);
    const out = new Float64Array(total);
    let off = 0;
    params.forEach((p, i) => {
      const d = parts[i];
      if (d) for (let j = 0; j < d.length; j++) out[off + j] = d[j]!;
      off += p.size;
    });
    return out;
  } finally {
    clear();
  }
}

/** Options of {@link measureNoiseScale}. */
export interface NoiseScaleOptions {
  /** The small batch size (default 8). */
  bSmall?: number;
  /** The big batch size, a multiple of bSmall (default 16 × bSmall). */
  bBig?: number;
  /** How many big batches to measure (default 32). More: a steadier estimate. */
  batches?: number;
  /** Shuffle seed of the batches (default 1). */
  seed?: number;
}

/** {@link NoiseScaleEstimate} plus the raw measurements. */
export interface NoiseScaleResult extends NoiseScaleEstimate {
  smallSq: number[];
  bigSq: number[];
}

function sliceRows(a: ArrayData<TypedArray>, start: number, rows: number): ArrayData<TypedArray> {
  const n = a.shape[0]!;
  const row = n === 0 ? 0 : a.data.length / n;
  return { data: a.data.subarray(start * row, (start + rows) * row) as TypedArray, shape: [rows, ...a.shape.slice(1)] };
}

/**
 * Measures the gradient noise scale B_simple of `model` at its current weights on (x, y): draws
 * `batches` big batches of bBig samples, splits each into bBig/bSmall small ones, and averages the
 * |G|² and tr(Σ) estimators before dividing. Takes no optimizer step; restores the RNG.
 *
 * @example
 * const ns = await wg.train.measureNoiseScale(model, x, y, { bSmall: 16, bBig: 256 });
 * ns.bSimple; // the critical batch size's simple estimate
 */
export async function measureNoiseScale(model: GradientModel, x: ArrayInput | Dataset, y?: ArrayInput, options: NoiseScaleOptions = {}): Promise<NoiseScaleResult> {
  const op = 'measureNoiseScale';
  checkOptions(op, options, ['bSmall', 'bBig', 'batches', 'seed']);
  const bSmall = options.bSmall ?? 8;
  const bBig = options.bBig ?? 16 * bSmall;
  const batches = options.batches ?? 32;
  if (!(Number.isInteger(bSmall) && bSmall >= 1)) fail(op, `bSmall must be a positive integer, got ${bSmall}`);
  if (!(Number.isInteger(bBig) && bBig > bSmall && bBig % bSmall === 0)) fail(op, `bBig must be an integer multiple of bSmall larger than it, got bSmall ${bSmall}, bBig ${bBig}`);
  if (!(Number.isInteger(batches) && batches >= 1)) fail(op, `batches must be a positive integer, got ${batches}`);
  let ds: Dataset;
  if (y !== undefined) ds = await toDataset(op, x as ArrayInput, y, model);
  else if (x instanceof Object && 'stepsPerEpoch' in x) ds = x as Dataset;
  else fail(op, 'pass (model, x, y, options) or (model, dataset, undefined, options)');
  if (ds.batchSize !== null) fail(op, 'pass an unbatched Dataset (the probe batches it at bSmall and bBig itself)');
  if (ds.size < bBig) fail(op, `the data has ${ds.size} samples, fewer than bBig = ${bBig}`);
  const batched = ds.shuffle({ seed: options.seed ?? 1 }).batch(bBig, { dropRemainder: true });
  const k = bBig / bSmall;
  const smallSq: number[] = [];
  const bigSq: number[] = [];
  const rng = getRngState();
  try {
    for (let epoch = 0; bigSq.length < batches; epoch++) {
      for (const b of batched.epoch(epoch)) {
        if (bigSq.length >= batches) break;
        const xb = b.x as ArrayData<TypedArray>;
        const yb = b.y as ArrayData<TypedArray>;
        let big: Float64Array | null = null;
        let sSum = 0;
        for (let p = 0; p < k; p++) {
          const [xt, yt] = batchTensors(sliceRows(xb, p * bSmall, bSmall), sliceRows(yb, p * bSmall, bSmall));
          let g: Float64Array;
          try {
            g = await batchGradient(model, xt, yt);
          } finally {
            xt.dispose();
            yt.dispose();
          }
          let s = 0;
          for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
          sSum += s;
          if (!big) big = g;
          else for (let i = 0; i < g.length; i++) big[i]! += g[i]!;
        }
        let s = 0;
        for (let i = 0; i < big!.length; i++) {
          const v = big![i]! / k;
          s += v * v;
        }
        smallSq.push(sSum / k);
        bigSq.push(s);
      }
    }
  } finally {
    setRngState(rng);
  }
  return { ...estimateNoiseScale(bSmall, bBig, smallSq, bigSq), smallSq, bigSq };
}
