/**
 * The GRU recurrence on the CPU: the path users without a GPU run, so it is written for speed.
 * float32 runs on WebAssembly SIMD where the engine has it (cpu/wasm/gru-simd.ts); the float64
 * reference mode, and float32 without SIMD, run the JS loops here:
 * fused typed-array loops (no per-step tensors, no allocation per step), four sequences in
 * lockstep so every weight loaded from U feeds four multiply-adds and every dU read-modify-write
 * carries four outer-product terms, float64 scratch. In float32 mode the gate nonlinearities use a
 * polynomial exp (relative error < 1e-8, far below float32's 6e-8); in the float64 reference mode
 * they use Math.exp/Math.tanh, so the finite-difference checks see exact functions.
 * Layouts and semantics: see gru.ts.
 */
import type { HostArray } from './backend.js';
import type { GruGeometry, GruGradInputs } from './gru.js';
import { gruWasm, type GruWasm } from './cpu/wasm/gru-module.js';
import { gruBackwardSimd, gruForwardSimd } from './cpu/wasm/gru-simd.js';

/** Sequences processed in lockstep. */
const Q = 4;

// 2^n for n in [-127, 128], and the Taylor coefficients of 2^f = e^(f·ln2) on |f| ≤ 1/2.
const POW2 = Float64Array.from({ length: 256 }, (_, i) => Math.pow(2, i - 127));
const E1 = Math.LN2;
const E2 = E1 * E1 / 2;
const E3 = E2 * E1 / 3;
const E4 = E3 * E1 / 4;
const E5 = E4 * E1 / 5;
const E6 = E5 * E1 / 6;
const E7 = E6 * E1 / 7;

/** e^x with relative error < 1e-8 for |x| ≤ 87 (clamped beyond: the gates saturate there). */
function fastExp(x: number): number {
  const c = x < -87 ? -87 : x > 87 ? 87 : x;
  const y = c * Math.LOG2E;
  const n = Math.round(y);
  const f = y - n;
  return POW2[n + 127]! * (1 + f * (E1 + f * (E2 + f * (E3 + f * (E4 + f * (E5 + f * (E6 + f * E7)))))));
}

function sigmoid(x: number, exact: boolean): number {
  return 1 / (1 + (exact ? Math.exp(-x) : fastExp(-x)));
}

function tanh(x: number, exact: boolean): number {
  return exact ? Math.tanh(x) : 2 / (1 + fastExp(-2 * x)) - 1;
}

const gateWidth = (u: number, resetAfter: boolean): number => (resetAfter ? 4 : 3) * u;

/**
 * out[j·Q + q] = Σ_k M[j·n + k] · v[k·Q + q] for j < rows: four slots of a matrix-vector product,
 * two rows at a time (each loaded v feeds two rows, each loaded weight four slots).
 */
function matvec4(out: Float64Array, M: Float64Array, v: Float64Array, rows: number, n: number): void {
  let j = 0;
  for (; j + 1 < rows; j += 2) {
    const m0 = j * n;
    const m1 = m0 + n;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let b0 = 0;
    let b1 = 0;
    let b2 = 0;
    let b3 = 0;
    for (let k = 0, kq = 0; k < n; k++, kq += Q) {
      const v0 = v[kq]!;
      const v1 = v[kq + 1]!;
      const v2 = v[kq + 2]!;
      const v3 = v[kq + 3]!;
      const w = M[m0 + k]!;
      const x = M[m1 + k]!;
      a0 += v0 * w;
      a1 += v1 * w;
      a2 += v2 * w;
      a3 += v3 * w;
      b0 += v0 * x;
      b1 += v1 * x;
      b2 += v2 * x;
      b3 += v3 * x;
    }
    const o = j * Q;
    out[o] = a0;
    out[o + 1] = a1;
    out[o + 2] = a2;
    out[o + 3] = a3;
    out[o + 4] = b0;
    out[o + 5] = b1;
    out[o + 6] = b2;
    out[o + 7] = b3;
  }
  for (; j < rows; j++) rowDot4(out, j * Q, M, j * n, v, n, false);
}

/**
 * One row of the four slots' summed outer product: acc[at + j] += Σ_q a[from + q] · v[j·Q + q] for
 * j < n (a weight-gradient row: an input or state element times the gate gradients).
 */
function addOuter4(acc: Float64Array, at: number, a: Float64Array, from: number, v: Float64Array, n: number): void {
  const a0 = a[from]!;
  const a1 = a[from + 1]!;
  const a2 = a[from + 2]!;
  const a3 = a[from + 3]!;
  for (let j = 0, jq = 0; j < n; j++, jq += Q) acc[at + j]! += a0 * v[jq]! + a1 * v[jq + 1]! + a2 * v[jq + 2]! + a3 * v[jq + 3]!;
}

/**
 * One row of matvec4 at any offsets: Σ_k M[m + k] · v[k·Q + q] for the four slots q, stored to
 * out[o + q] or, with `add`, added to it.
 */
function rowDot4(out: Float64Array, o: number, M: Float64Array, m: number, v: Float64Array, n: number, add: boolean): void {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  for (let k = 0, kq = 0; k < n; k++, kq += Q) {
    const w = M[m + k]!;
    a0 += v[kq]! * w;
    a1 += v[kq + 1]! * w;
    a2 += v[kq + 2]! * w;
    a3 += v[kq + 3]! * w;
  }
  if (add) {
    a0 += out[o]!;
    a1 += out[o + 1]!;
    a2 += out[o + 2]!;
    a3 += out[o + 3]!;
  }
  out[o] = a0;
  out[o + 1] = a1;
  out[o + 2] = a2;
  out[o + 3] = a3;
}

/** The WebAssembly loops for float32 where the engine has them; their loops assume no extent is 0. */
function simdFor(g: GruGeometry, x: HostArray): GruWasm | null {
  return x instanceof Float64Array || g.B * g.T * g.F * g.units === 0 ? null : gruWasm();
}

/** Forward: x, W, U, bias → H, HL, G (G ignored unless g.save). */
export function gruForwardCpu(g: GruGeometry, x: HostArray, W: HostArray, U: HostArray, bias: HostArray, H: HostArray, HL: HostArray, G: HostArray): void {
  const simd = simdFor(g, x);
  if (simd) gruForwardSimd(simd, g, x, W, U, bias, H, HL, G);
  else gruForwardJs(g, x, W, U, bias, H, HL, G);
}

/**
 * BPTT: inputs [x, W, U, G, H, dH?, dHL?, dG?] (present per `has`), outputs [dx, dW, dU, dBias]
 * (dx untouched unless has.dx). Weight gradients are summed in float64 and written once.
 */
export function gruBackwardCpu(g: GruGeometry, has: GruGradInputs, inputs: readonly HostArray[], outputs: readonly HostArray[]): void {
  const [x, W, U, G, H] = inputs as [HostArray, HostArray, HostArray, HostArray, HostArray];
  let next = 5;
  const dH = has.dH ? inputs[next++]! : null;
  const dHL = has.dHL ? inputs[next++]! : null;
  const dG = has.dG ? inputs[next++]! : null;
  const [dx, dW, dU, dBias] = outputs as [HostArray, HostArray, HostArray, HostArray];
  const arrays = { x, W, U, G, H, dH, dHL, dG, dx, dW, dU, dBias };
  const simd = simdFor(g, x);
  if (simd) gruBackwardSimd(simd, g, has, arrays);
  else gruBackwardJs(g, has, arrays);
}

/** The backward's arrays by name; absent output gradients are null. */
export interface GruGradArrays {
  x: HostArray;
  W: HostArray;
  U: HostArray;
  G: HostArray;
  H: HostArray;
  dH: HostArray | null;
  dHL: HostArray | null;
  dG: HostArray | null;
  dx: HostArray;
  dW: HostArray;
  dU: HostArray;
  dBias: HostArray;
}

/** The JS forward. The projection x·W is done per step. */
function gruForwardJs(g: GruGeometry, x: HostArray, W: HostArray, U: HostArray, bias: HostArray, H: HostArray, HL: HostArray, Gout: HostArray): void {
  const { B, T, F, D, units: u, resetAfter } = g;
  const exact = x instanceof Float64Array;
  const N = D * 3 * u;
  const G3 = 3 * u;
  const u2 = 2 * u;
  const u3 = 3 * u;
  const GW = gateWidth(u, resetAfter);
  const NB = resetAfter ? 2 : 1;
  // Without saving, activations go to one scratch row that every step overwrites.
  const G = g.save ? Gout : new Float64Array(GW);
  const gStride = g.save ? GW : 0;
  // Lockstep state, interleaved: element k of slot q at k·Q + q.
  const hp = new Float64Array(u * Q);
  const rh = new Float64Array(u * Q);
  const acc = new Float64Array(G3 * Q);
  const xw = new Float64Array(G3 * Q); // x_t·W (+ input bias) of the four slots
  const xs = new Float64Array(F * Q);
  const rows = new Int32Array(Q);
  // U and W transposed per direction ([3u, u], [3u, F]): every pre-activation is a contiguous dot product.
  const UT = new Float64Array(G3 * u);
  const WT = new Float64Array(G3 * F);
  const bi = new Float64Array(G3);
  const br = new Float64Array(G3);
  const nDot = resetAfter ? G3 : u2;
  for (let d = 0; d < D; d++) {
    const back = ((g.backMask >> d) & 1) === 1;
    const uBase = d * u * G3;
    for (let k = 0; k < u; k++) for (let j = 0; j < G3; j++) UT[j * u + k] = U[uBase + k * G3 + j]!;
    for (let f = 0; f < F; f++) for (let j = 0; j < G3; j++) WT[j * F + f] = W[f * N + d * G3 + j]!;
    const bBase = d * NB * G3;
    for (let j = 0; j < G3; j++) {
      bi[j] = bias[bBase + j]!;
      br[j] = resetAfter ? bias[bBase + G3 + j]! : 0;
    }
    for (let b0 = 0; b0 < B; b0 += Q) {
      const nq = Math.min(Q, B - b0);
      hp.fill(0);
      rh.fill(0);
      for (let s = 0; s < T; s++) {
        const t = back ? T - 1 - s : s;
        for (let q = 0; q < nq; q++) {
          rows[q] = ((b0 + q) * T + t) * D + d;
          const xo = ((b0 + q) * T + t) * F;
          for (let f = 0; f < F; f++) xs[f * Q + q] = x[xo + f]!;
        }
        // Input pre-activations x_t·W + b_in for the four slots.
        matvec4(xw, WT, xs, G3, F);
        for (let j = 0, jq = 0; j < G3; j++, jq += Q) {
          const bj = bi[j]!;
          xw[jq]! += bj;
          xw[jq + 1]! += bj;
          xw[jq + 2]! += bj;
          xw[jq + 3]! += bj;
        }
        // Recurrent pre-activations h·U for the four slots (all 3u with resetAfter, z and r otherwise).
        if (s === 0) acc.fill(0);
        else matvec4(acc, UT, hp, nDot, u);
        if (resetAfter) {
          for (let q = 0; q < nq; q++) {
            const row = rows[q]!;
            const go = row * gStride;
            const ho = row * u;
            for (let k = 0; k < u; k++) {
              const kq = k * Q + q;
              const z = sigmoid(xw[kq]! + acc[kq]! + br[k]!, exact);
              const r = sigmoid(xw[(u + k) * Q + q]! + acc[(u + k) * Q + q]! + br[u + k]!, exact);
              const hr = acc[(u2 + k) * Q + q]! + br[u2 + k]!;
              const n = tanh(xw[(u2 + k) * Q + q]! + r * hr, exact);
              const h = n + z * (hp[kq]! - n);
              G[go + k] = z;
              G[go + u + k] = r;
              G[go + u2 + k] = n;
              G[go + u3 + k] = hr;
              hp[kq] = h;
              H[ho + k] = h;
            }
          }
        } else {
          // z and r first (ĥ needs the whole r ⊙ h), z kept in acc's z rows.
          for (let q = 0; q < nq; q++) {
            const row = rows[q]!;
            const go = row * gStride;
            for (let k = 0; k < u; k++) {
              const kq = k * Q + q;
              const z = sigmoid(xw[kq]! + acc[kq]!, exact);
              const r = sigmoid(xw[(u + k) * Q + q]! + acc[(u + k) * Q + q]!, exact);
              G[go + k] = z;
              G[go + u + k] = r;
              acc[kq] = z;
              rh[kq] = r * hp[kq]!;
            }
          }
          // (r ⊙ h)·U_h; zero at the first step (h = 0).
          for (let k = 0; k < u; k++) rowDot4(acc, (u2 + k) * Q, UT, (u2 + k) * u, rh, s > 0 ? u : 0, false);
          for (let q = 0; q < nq; q++) {
            const row = rows[q]!;
            const go = row * gStride;
            const ho = row * u;
            for (let k = 0; k < u; k++) {
              const kq = k * Q + q;
              const n = tanh(xw[(u2 + k) * Q + q]! + acc[(u2 + k) * Q + q]!, exact);
              const z = acc[kq]!;
              const h = n + z * (hp[kq]! - n);
              G[go + u2 + k] = n;
              hp[kq] = h;
              H[ho + k] = h;
            }
          }
        }
      }
      for (let q = 0; q < nq; q++) {
        const lo = ((b0 + q) * D + d) * u;
        for (let k = 0; k < u; k++) HL[lo + k] = hp[k * Q + q]!;
      }
    }
  }
}

/**
 * The JS BPTT. The input-side gradients dXp never leave the loop: dx = dXp·Wᵀ and dW += x ⊗ dXp
 * are taken per step.
 */
function gruBackwardJs(g: GruGeometry, has: GruGradInputs, a: GruGradArrays): void {
  const { B, T, F, D, units: u, resetAfter } = g;
  const { x, W, U, G, H, dH, dHL, dG, dx, dW, dU, dBias } = a;
  const N = D * 3 * u;
  const G3 = 3 * u;
  const u2 = 2 * u;
  const u3 = 3 * u;
  const GW = gateWidth(u, resetAfter);
  const NB = resetAfter ? 2 : 1;
  // Lockstep scratch, interleaved by slot (element k of slot q at k·Q + q). Slots past the batch
  // stay zero, so they add nothing to the weight gradients.
  const dhc = new Float64Array(u * Q); // dL/dh carried to the previous step
  const hp = new Float64Array(u * Q); // h of the previous step
  const gr = new Float64Array(G3 * Q); // recurrent-side pre-activation gradients [dz, dr, dĥ_rec]
  const dn = new Float64Array(u * Q); // input-side ĥ pre-activation gradient
  const rh = new Float64Array(u * Q); // r ⊙ h_prev (reset before)
  const dzA = new Float64Array(u * Q);
  const dhA = new Float64Array(u * Q);
  const rows = new Int32Array(Q);
  const drhs = new Float64Array(Q);
  const xs = new Float64Array(F * Q);
  const Ud = new Float64Array(u * G3);
  const Wd = new Float64Array(F * G3);
  const accU = new Float64Array(u * G3);
  const accW = new Float64Array(F * G3);
  const accB = new Float64Array(NB * G3);
  const nRec = resetAfter ? G3 : u2;
  for (let d = 0; d < D; d++) {
    const back = ((g.backMask >> d) & 1) === 1;
    const uBase = d * u * G3;
    for (let i = 0; i < u * G3; i++) Ud[i] = U[uBase + i]!;
    for (let f = 0; f < F; f++) for (let j = 0; j < G3; j++) Wd[f * G3 + j] = W[f * N + d * G3 + j]!;
    accU.fill(0);
    accW.fill(0);
    accB.fill(0);
    for (let b0 = 0; b0 < B; b0 += Q) {
      const nq = Math.min(Q, B - b0);
      for (const a of [dhc, hp, gr, dn, rh]) a.fill(0);
      for (let s = T - 1; s >= 0; s--) {
        const t = back ? T - 1 - s : s;
        const tp = back ? t + 1 : t - 1;
        for (let q = 0; q < nq; q++) {
          const row = ((b0 + q) * T + t) * D + d;
          rows[q] = row;
          const xo = ((b0 + q) * T + t) * F;
          for (let f = 0; f < F; f++) xs[f * Q + q] = x[xo + f]!;
          const go = row * GW;
          const ho = row * u;
          const lo = ((b0 + q) * D + d) * u;
          const po = ((b0 + q) * T + tp) * D * u + d * u;
          for (let k = 0; k < u; k++) {
            const kq = k * Q + q;
            const hpk = s > 0 ? H[po + k]! : 0;
            hp[kq] = hpk;
            let dh = dhc[kq]!;
            if (dH) dh += dH[ho + k]!;
            if (dHL && s === T - 1) dh += dHL[lo + k]!;
            const z = G[go + k]!;
            const n = G[go + u2 + k]!;
            let dz = dh * (hpk - n);
            let dnn = dh * (1 - z);
            if (dG) {
              dz += dG[go + k]!;
              dnn += dG[go + u2 + k]!;
            }
            const dnp = dnn * (1 - n * n);
            dn[kq] = dnp;
            if (resetAfter) {
              const r = G[go + u + k]!;
              const hr = G[go + u3 + k]!;
              let dhr = dnp * r;
              let dr = dnp * hr;
              if (dG) {
                dhr += dG[go + u3 + k]!;
                dr += dG[go + u + k]!;
              }
              const drp = dr * r * (1 - r);
              const dzp = dz * z * (1 - z);
              gr[kq] = dzp;
              gr[(u + k) * Q + q] = drp;
              gr[(u2 + k) * Q + q] = dhr;
              dhc[kq] = dh * z;
            } else {
              dzA[kq] = dz;
              dhA[kq] = dh;
            }
          }
        }
        if (!resetAfter) {
          // d(r ⊙ h_prev)[k] = Σ_j U_h[k, j] · dĥ_pre[j], then the z and r gradients.
          for (let k = 0; k < u; k++) {
            rowDot4(drhs, 0, Ud, k * G3 + u2, dn, u, false);
            for (let q = 0; q < nq; q++) {
              const row = rows[q]!;
              const go = row * GW;
              const kq = k * Q + q;
              const drh = drhs[q]!;
              const z = G[go + k]!;
              const r = G[go + u + k]!;
              let dr = drh * hp[kq]!;
              if (dG) dr += dG[go + u + k]!;
              const drp = dr * r * (1 - r);
              const dzp = dzA[kq]! * z * (1 - z);
              gr[kq] = dzp;
              gr[(u + k) * Q + q] = drp;
              rh[kq] = r * hp[kq]!;
              dhc[kq] = dhA[kq]! * z + drh * r;
            }
          }
        }
        // dh for the previous step: + U·g over the recurrent gate columns.
        for (let k = 0; k < u; k++) rowDot4(dhc, k * Q, Ud, k * G3, gr, nRec, true);
        // Weight gradients: Σ over the four slots of h_prev ⊗ g (r ⊙ h_prev ⊗ dĥ for U_h without resetAfter).
        if (s > 0) {
          for (let k = 0; k < u; k++) {
            addOuter4(accU, k * G3, hp, k * Q, gr, nRec);
            if (!resetAfter) addOuter4(accU, k * G3 + u2, rh, k * Q, dn, u);
          }
        }
        // The input side: dW += x ⊗ dXp, dx = dXp·Wᵀ, with dXp = [dz, dr, dĥ] = [gr z|r rows, dn].
        for (let f = 0, fq = 0; f < F; f++, fq += Q) {
          const wo = f * G3;
          addOuter4(accW, wo, xs, fq, gr, u2);
          addOuter4(accW, wo + u2, xs, fq, dn, u);
          if (!has.dx) continue;
          rowDot4(drhs, 0, Wd, wo, gr, u2, false);
          rowDot4(drhs, 0, Wd, wo + u2, dn, u, true);
          // Directions after the first add to dx.
          for (let q = 0; q < nq; q++) {
            const i = ((b0 + q) * T + t) * F + f;
            dx[i] = d === 0 ? drhs[q]! : dx[i]! + drhs[q]!;
          }
        }
        for (let j = 0, jq = 0; j < G3; j++, jq += Q) {
          const gsum = gr[jq]! + gr[jq + 1]! + gr[jq + 2]! + gr[jq + 3]!;
          if (j < u2) {
            accB[j]! += gsum;
            if (resetAfter) accB[G3 + j]! += gsum;
          } else {
            const kq = (j - u2) * Q;
            accB[j]! += dn[kq]! + dn[kq + 1]! + dn[kq + 2]! + dn[kq + 3]!;
            if (resetAfter) accB[G3 + j]! += gsum;
          }
        }
      }
    }
    for (let i = 0; i < u * G3; i++) dU[uBase + i] = accU[i]!;
    for (let f = 0; f < F; f++) for (let j = 0; j < G3; j++) dW[f * N + d * G3 + j] = accW[f * G3 + j]!;
    for (let i = 0; i < NB * G3; i++) dBias[d * NB * G3 + i] = accB[i]!;
  }
}
