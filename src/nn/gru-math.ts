import { zeros } from '../tensor/creation.js';
import { fail, fmtShape } from '../tensor/errors.js';
import { add, mul, sigmoid, sub, tanh } from '../tensor/ops/elementwise.js';
import { matMul } from '../tensor/ops/matmul.js';
import { reshape, slice, stack, transpose } from '../tensor/ops/movement.js';
import { unstack } from '../tensor/ops/unstack.js';
import type { Tensor } from '../tensor/tensor.js';
import { gruFusedAvailable, gruSequenceWithState } from '../tensor/ops/gru.js';

export interface GruSequenceOptions {
  units: number;
  /** Keras reset_after: r multiplies (h·U_h + b_hh) (true, default) or h before U_h (false). */
  resetAfter: boolean;
  /** Process time in reverse; outputs come in processing order (Keras go_backwards). */
  goBackwards: boolean;
  /** Return every step's output [batch, time, units] rather than the last [batch, units]. */
  returnSequences: boolean;
  /** Float [batch, time] mask: a masked step keeps the previous state. */
  mask?: Tensor | null;
  /** Masked steps output zeros instead of the carried state (Keras zero_output_for_mask). */
  zeroOutputForMask?: boolean;
}

export interface GruSequenceResult {
  /** [batch, time, units] with returnSequences, else [batch, units]. */
  output: Tensor;
  /** The final state [batch, units]. */
  state: Tensor;
}

/**
 * A whole GRU sequence in Keras's layout: x [batch, time, in], kernel (in, 3u), recurrentKernel
 * (u, 3u), bias (2, 3u) with resetAfter (input row, recurrent row) or (3u,), gate order [z | r | h]:
 *   z = σ(x·W_z + b_z + h·U_z + b'_z),  r = σ(x·W_r + b_r + h·U_r + b'_r)
 *   ĥ = tanh(x·W_h + b_h + r ⊙ (h·U_h + b'_h))      (resetAfter)
 *   ĥ = tanh(x·W_h + b_h + (r ⊙ h)·U_h)              (not resetAfter; one bias row)
 *   h' = z ⊙ h + (1 − z) ⊙ ĥ
 *
 * This is the one entry point the GRU layers use. Without a mask it runs the fused whole-sequence
 * op (src/tensor/ops/gru.ts: one GEMM for the input projection, ONE recurrence dispatch forward,
 * one BPTT dispatch backward); with a mask, or a hidden size above the fused kernels' limit on
 * WebGPU, it runs `gruSequencePerStep`.
 */
export function gruSequence(x: Tensor, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor | null, opts: GruSequenceOptions): GruSequenceResult {
  if (!opts.mask && gruFusedAvailable(x, opts.units)) return gruSequenceWithState(x, kernel, recurrentKernel, bias, opts);
  return gruSequencePerStep(x, kernel, recurrentKernel, bias, opts);
}

/**
 * The same sequence composed per time step: one GEMM projects the input of every step, then each
 * step is a handful of ops on [batch, 3u]. Supports masks; the reference the fused op is tested
 * against.
 */
export function gruSequencePerStep(x: Tensor, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor | null, opts: GruSequenceOptions): GruSequenceResult {
  const { units: u, resetAfter, goBackwards, returnSequences } = opts;
  if (x.rank !== 3) fail('gru', `input must be [batch, time, features], got ${fmtShape(x.shape)}`);
  const [B, T, I] = x.shape as [number, number, number];
  if (T === 0) fail('gru', `the input has no time steps (shape ${fmtShape(x.shape)})`);
  const expect = (what: string, t: Tensor, shape: number[]) => {
    if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) fail('gru', `${what} has shape ${fmtShape(t.shape)}, expected ${fmtShape(shape)}`);
  };
  expect('kernel', kernel, [I, 3 * u]);
  expect('recurrentKernel', recurrentKernel, [u, 3 * u]);
  if (bias) expect('bias', bias, resetAfter ? [2, 3 * u] : [3 * u]);
  if (opts.mask) expect('mask', opts.mask, [B, T]);

  const inputBias = bias && resetAfter ? reshape(slice(bias, [0, 0], [1, 3 * u]), [3 * u]) : bias;
  const recurrentBias = bias && resetAfter ? reshape(slice(bias, [1, 0], [1, 3 * u]), [3 * u]) : null;
  // Every step's input projection in one GEMM, then split by time: [T][B, 3u].
  let proj = matMul(reshape(x, [B * T, I]), kernel);
  if (inputBias) proj = add(proj, inputBias);
  const steps = unstack(transpose(reshape(proj, [B, T, 3 * u]), [1, 0, 2]));
  const masks = opts.mask ? unstack(transpose(opts.mask, [1, 0])).map((m) => reshape(m, [B, 1])) : null;
  const uZR = resetAfter ? null : slice(recurrentKernel, [0, 0], [u, 2 * u]);
  const uH = resetAfter ? null : slice(recurrentKernel, [0, 2 * u], [u, u]);

  let h = zeros([B, u], 'float32', x.storageFor('gru').backend);
  const outputs: Tensor[] = [];
  for (let s = 0; s < T; s++) {
    const t = goBackwards ? T - 1 - s : s;
    const xt = steps[t]!;
    const xZR = slice(xt, [0, 0], [B, 2 * u]);
    const xH = slice(xt, [0, 2 * u], [B, u]);
    let candidate: Tensor;
    let z: Tensor;
    if (resetAfter) {
      let hU = matMul(h, recurrentKernel);
      if (recurrentBias) hU = add(hU, recurrentBias);
      const zr = sigmoid(add(xZR, slice(hU, [0, 0], [B, 2 * u])));
      z = slice(zr, [0, 0], [B, u]);
      const r = slice(zr, [0, u], [B, u]);
      candidate = tanh(add(xH, mul(r, slice(hU, [0, 2 * u], [B, u]))));
    } else {
      const zr = sigmoid(add(xZR, matMul(h, uZR!)));
      z = slice(zr, [0, 0], [B, u]);
      const r = slice(zr, [0, u], [B, u]);
      candidate = tanh(add(xH, matMul(mul(r, h), uH!)));
    }
    // z⊙h + (1−z)⊙ĥ = ĥ + z⊙(h − ĥ)
    let next = add(candidate, mul(z, sub(h, candidate)));
    let out = next;
    if (masks) {
      const m = masks[t]!;
      const stepped = next;
      next = add(h, mul(m, sub(stepped, h)));
      out = opts.zeroOutputForMask ? mul(m, stepped) : next;
    }
    outputs.push(out);
    h = next;
  }
  return { output: returnSequences ? stack(outputs, 1) : h, state: h };
}
