/**
 * The float32 CPU GRU on WebAssembly SIMD (gru.wat): per block of four sequences, their rows of
 * x, H, G (and the output gradients) are copied into the module's memory, every direction runs
 * there, and the rows are copied back, a contiguous span each. Same contract as gru-cpu.ts;
 * layouts: see gru.ts. State and activations are float32 (as stored); weight gradients are summed
 * in float32 over one block's steps and in float64 across blocks.
 */
import type { HostArray } from '../../backend.js';
import type { GruGeometry, GruGradInputs } from '../../gru.js';
import type { GruGradArrays } from '../../gru-cpu.js';
import { regions, type GruWasm } from './gru-module.js';

/** Sequences per block: the four lanes of an f32x4. */
const Q = 4;
const F32 = 4;
const F64 = 8;
const VEC = 16;

/** Elements per direction and per batch row of the staged arrays. */
function sizes(g: GruGeometry) {
  const { T, F, D, units: u, resetAfter } = g;
  const GW = (resetAfter ? 4 : 3) * u;
  return { G3: 3 * u, N: D * 3 * u, GW, NB: resetAfter ? 2 : 1, rowX: T * F, rowH: T * D * u, rowG: T * D * GW };
}

/** Copies batch rows b0 … b0+nq of `src` (`row` elements each) to the f32 view at byte `at`, zeroing the slots past nq. */
function stage(w: GruWasm, src: HostArray, row: number, b0: number, nq: number, at: number): void {
  const o = at / F32;
  w.f32.set(src.subarray(b0 * row, (b0 + nq) * row), o);
  if (nq < Q) w.f32.fill(0, o + nq * row, o + Q * row);
}

/** Copies the first nq staged rows at byte `at` back to batch row b0 of `dst`. */
function unstage(w: GruWasm, dst: HostArray, row: number, b0: number, nq: number, at: number): void {
  const o = at / F32;
  dst.set(w.f32.subarray(o, o + nq * row), b0 * row);
}

/** See gruForwardCpu. */
export function gruForwardSimd(w: GruWasm, g: GruGeometry, x: HostArray, W: HostArray, U: HostArray, bias: HostArray, H: HostArray, HL: HostArray, G: HostArray): void {
  const { B, T, F, D, units: u, resetAfter, save } = g;
  const { G3, N, GW, NB, rowX, rowH, rowG } = sizes(g);
  const { at, end } = regions({
    WT: D * G3 * F * F32, UT: D * G3 * u * F32, bi: N * F32, br: N * F32,
    x: Q * rowX * F32, H: Q * rowH * F32, G: save ? Q * rowG * F32 : 0, S: (8 * u + F) * VEC,
  });
  w.reserve(end);
  const m = w.f32;
  // Kernels transposed per direction ([3u][F], [3u][u]): every pre-activation is a contiguous dot product.
  for (let d = 0; d < D; d++) {
    for (let j = 0; j < G3; j++) {
      const o = d * G3 + j;
      for (let f = 0; f < F; f++) m[at.WT / F32 + o * F + f] = W[f * N + o]!;
      for (let k = 0; k < u; k++) m[at.UT / F32 + o * u + k] = U[(d * u + k) * G3 + j]!;
      m[at.bi / F32 + o] = bias[d * NB * G3 + j]!;
      m[at.br / F32 + o] = resetAfter ? bias[(d * NB + 1) * G3 + j]! : 0;
    }
  }
  for (let b0 = 0; b0 < B; b0 += Q) {
    const nq = Math.min(Q, B - b0);
    stage(w, x, rowX, b0, nq, at.x);
    for (let d = 0; d < D; d++) {
      const back = (g.backMask >> d) & 1;
      w.fn.forward(at.x, at.WT + d * G3 * F * F32, at.UT + d * G3 * u * F32, at.bi + d * G3 * F32, at.br + d * G3 * F32,
        at.H + d * u * F32, at.G + d * GW * F32, at.S, T, F, u, D * u * F32, D * GW * F32, back | (resetAfter ? 2 : 0) | (save ? 4 : 0));
      // The final state is H at the last input time consumed.
      const last = back ? 0 : T - 1;
      for (let q = 0; q < nq; q++) {
        const from = at.H / F32 + q * rowH + (last * D + d) * u;
        HL.set(m.subarray(from, from + u), ((b0 + q) * D + d) * u);
      }
    }
    w.runs.forward += D;
    unstage(w, H, rowH, b0, nq, at.H);
    if (save) unstage(w, G, rowG, b0, nq, at.G);
  }
}

/** See gruBackwardCpu. */
export function gruBackwardSimd(w: GruWasm, g: GruGeometry, has: GruGradInputs, a: GruGradArrays): void {
  const { B, T, F, D, units: u, resetAfter } = g;
  const { x, W, U, G, H, dH, dHL, dG, dx, dW, dU, dBias } = a;
  const { G3, N, GW, NB, rowX, rowH, rowG } = sizes(g);
  // Per direction, float64: dU [u][3u], dW [F][3u], dBias [2][3u].
  const accLen = (u + F + 2) * G3;
  const { at, end } = regions({
    Ud: D * u * G3 * F32, Wd: D * F * G3 * F32, x: Q * rowX * F32, dx: has.dx ? Q * rowX * F32 : 0,
    G: Q * rowG * F32, H: Q * rowH * F32, dH: dH ? Q * rowH * F32 : 0, dHL: dHL ? Q * D * u * F32 : 0, dG: dG ? Q * rowG * F32 : 0,
    S: (4 * u + F + 1 + T * (6 * u + F)) * VEC, acc: D * accLen * F64,
  });
  w.reserve(end);
  const m = w.f32;
  m.set(U, at.Ud / F32);
  for (let d = 0; d < D; d++) {
    for (let f = 0; f < F; f++) for (let j = 0; j < G3; j++) m[at.Wd / F32 + (d * F + f) * G3 + j] = W[f * N + d * G3 + j]!;
  }
  w.f64.fill(0, at.acc / F64, at.acc / F64 + D * accLen);
  const flags = (resetAfter ? 2 : 0) | (dH ? 4 : 0) | (dHL ? 8 : 0) | (dG ? 16 : 0) | (has.dx ? 32 : 0);
  for (let b0 = 0; b0 < B; b0 += Q) {
    const nq = Math.min(Q, B - b0);
    // Slots past nq stage zeros: they add nothing to the weight gradients.
    stage(w, x, rowX, b0, nq, at.x);
    stage(w, G, rowG, b0, nq, at.G);
    stage(w, H, rowH, b0, nq, at.H);
    if (dH) stage(w, dH, rowH, b0, nq, at.dH);
    if (dHL) stage(w, dHL, D * u, b0, nq, at.dHL);
    if (dG) stage(w, dG, rowG, b0, nq, at.dG);
    for (let d = 0; d < D; d++) {
      w.fn.backward(at.x, at.Ud + d * u * G3 * F32, at.Wd + d * F * G3 * F32, at.G + d * GW * F32, at.H + d * u * F32,
        at.dH + d * u * F32, at.dHL + d * u * F32, at.dG + d * GW * F32, at.dx, at.S, at.acc + d * accLen * F64,
        T, F, u, D * u * F32, D * GW * F32, flags | ((g.backMask >> d) & 1) | (d > 0 ? 64 : 0));
    }
    w.runs.backward += D;
    if (has.dx) unstage(w, dx, rowX, b0, nq, at.dx);
  }
  const acc = w.f64;
  for (let d = 0; d < D; d++) {
    const o = at.acc / F64 + d * accLen;
    for (let i = 0; i < u * G3; i++) dU[d * u * G3 + i] = acc[o + i]!;
    for (let f = 0; f < F; f++) for (let j = 0; j < G3; j++) dW[f * N + d * G3 + j] = acc[o + (u + f) * G3 + j]!;
    for (let i = 0; i < NB * G3; i++) dBias[d * NB * G3 + i] = acc[o + (u + F) * G3 + i]!;
  }
}
