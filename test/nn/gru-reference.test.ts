// The GRU and Bidirectional layers' forward values against a plain-loop float64 transcription of
// Keras's equations (gate order [z | r | h]; bias rows input/recurrent with resetAfter).
import { describe, expect, it } from 'vitest';
import { fromFlat, layers, tidy, withBackend, type Tensor } from '../../src/index.js';
import { Rng } from '../../src/tensor/random.js';
import { expectAllClose } from '../helpers/allclose.js';
import { gruSequencePerStep } from '../../src/nn/gru-math.js';
import { cpu64, raw } from './helpers.js';

interface Weights {
  W: Float64Array; // (I, 3u)
  U: Float64Array; // (u, 3u)
  b: Float64Array; // (2, 3u) or (3u)
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** Keras GRU over x [B, T, I]; returns every step's h in processing order, plus the final h. */
function referenceGru(x: Float64Array, B: number, T: number, I: number, u: number, w: Weights, resetAfter: boolean, goBackwards: boolean, mask?: number[]): { seq: number[][][]; last: number[][] } {
  const seq: number[][][] = [];
  const last: number[][] = [];
  for (let b = 0; b < B; b++) {
    let h = new Array<number>(u).fill(0);
    const outs: number[][] = [];
    for (let s = 0; s < T; s++) {
      const t = goBackwards ? T - 1 - s : s;
      const xp = new Array<number>(3 * u).fill(0);
      const hp = new Array<number>(3 * u).fill(0);
      for (let j = 0; j < 3 * u; j++) {
        for (let i = 0; i < I; i++) xp[j] += x[(b * T + t) * I + i]! * w.W[i * 3 * u + j]!;
        xp[j] += w.b[j]!;
        if (resetAfter) {
          for (let k = 0; k < u; k++) hp[j] += h[k]! * w.U[k * 3 * u + j]!;
          hp[j] += w.b[3 * u + j]!;
        }
      }
      const z = Array.from({ length: u }, (_, k) => sigmoid(xp[k]! + (resetAfter ? hp[k]! : dot(h, w.U, k, u))));
      const r = Array.from({ length: u }, (_, k) => sigmoid(xp[u + k]! + (resetAfter ? hp[u + k]! : dot(h, w.U, u + k, u))));
      const rh = h.map((v, k) => r[k]! * v);
      const cand = Array.from({ length: u }, (_, k) => Math.tanh(xp[2 * u + k]! + (resetAfter ? r[k]! * hp[2 * u + k]! : dot(rh, w.U, 2 * u + k, u))));
      const next = h.map((v, k) => z[k]! * v + (1 - z[k]!) * cand[k]!);
      const m = mask ? mask[b * T + t]! : 1;
      h = m ? next : h;
      outs.push(h);
    }
    seq.push(outs);
    last.push(h);
  }
  return { seq, last };
}

/** Σ_k h[k]·U[k, col] */
function dot(h: number[], U: Float64Array, col: number, u: number): number {
  let s = 0;
  for (let k = 0; k < u; k++) s += h[k]! * U[k * 3 * u + col]!;
  return s;
}

function weightsOf(layer: { weights: { value: Tensor }[] }): Weights {
  const [W, U, b] = layer.weights.map((w) => Float64Array.from(raw(w.value)));
  return { W: W!, U: U!, b: b! };
}

const B = 3, T = 5, I = 4, u = 3;

describe('GRU forward == a transcription of Keras’s equations', () => {
  for (const resetAfter of [true, false]) {
    for (const goBackwards of [false, true]) {
      it(`resetAfter=${resetAfter} goBackwards=${goBackwards}`, () =>
        withBackend(cpu64, () =>
          tidy(() => {
            const rng = new Rng(5);
            const xv = rng.uniform(B * T * I, -1, 1);
            const x = fromFlat(xv, [B, T, I], 'float32', cpu64);
            const layer = layers.gru({ units: u, resetAfter, goBackwards, returnSequences: true, returnState: true });
            layer.build([null, T, I]);
            expect(layer.weights.map((w) => w.value.shape)).toEqual([[I, 3 * u], [u, 3 * u], resetAfter ? [2, 3 * u] : [3 * u]]);
            // Non-zero biases, so both bias rows matter.
            (raw(layer.bias!) as Float64Array).set(rng.uniform(layer.bias!.size, -0.5, 0.5));
            const [seq, state] = layer.apply(x) as Tensor[];
            const want = referenceGru(xv, B, T, I, u, weightsOf(layer), resetAfter, goBackwards);
            expectAllClose(raw(seq!), want.seq.flat(2), { rtol: 1e-12, atol: 1e-12, what: 'sequence' });
            expectAllClose(raw(state!), want.last.flat(), { rtol: 1e-12, atol: 1e-12, what: 'state' });
            // The per-step composition (the masked / large-hidden-size path) gives the same values.
            const per = gruSequencePerStep(x, layer.kernel!, layer.recurrentKernel!, layer.bias, { units: u, resetAfter, goBackwards, returnSequences: true });
            expectAllClose(raw(per.output), want.seq.flat(2), { rtol: 1e-12, atol: 1e-12, what: 'per-step sequence' });
            expectAllClose(raw(per.state), want.last.flat(), { rtol: 1e-12, atol: 1e-12, what: 'per-step state' });
            layer.dispose();
          }),
        ));
    }
  }

  it('a mask keeps the state through masked steps (and zeros them with zeroOutputForMask)', () =>
    withBackend(cpu64, () =>
      tidy(() => {
        const rng = new Rng(6);
        const xv = rng.uniform(B * T * I, -1, 1);
        const mask = [0, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1];
        const x = fromFlat(xv, [B, T, I], 'float32', cpu64);
        const m = fromFlat(mask, [B, T], 'float32', cpu64);
        for (const zeroOutputForMask of [false, true]) {
          const layer = layers.gru({ units: u, returnSequences: true, zeroOutputForMask });
          const seq = layer.applyOne(x, { mask: m });
          const want = referenceGru(xv, B, T, I, u, weightsOf(layer), true, false, mask);
          const expected = want.seq.flatMap((steps, b) => steps.flatMap((h, t) => (zeroOutputForMask && !mask[b * T + t] ? h.map(() => 0) : h)));
          expectAllClose(raw(seq), expected, { rtol: 1e-12, atol: 1e-12, what: `masked, zeroOutputForMask=${zeroOutputForMask}` });
          layer.dispose();
        }
      }),
    ));
});

describe('Bidirectional', () => {
  it('concat = [forward, backward re-reversed to input time], with separate weights per direction', () =>
    withBackend(cpu64, () =>
      tidy(() => {
        const rng = new Rng(7);
        const xv = rng.uniform(B * T * I, -1, 1);
        const x = fromFlat(xv, [B, T, I], 'float32', cpu64);
        const bi = layers.bidirectional({ layer: layers.gru({ units: u, returnSequences: true, name: 'g' }) });
        const y = bi.applyOne(x);
        expect(y.shape).toEqual([B, T, 2 * u]);
        expect(bi.weights.map((w) => w.name)).toEqual(
          ['forward_g', 'backward_g'].flatMap((d) => ['kernel', 'recurrent_kernel', 'bias'].map((k) => `${bi.name}/${d}/gru_cell/${k}`)),
        );
        const fw = weightsOf(bi.forwardLayer);
        const bw = weightsOf(bi.backwardLayer);
        expect(Array.from(fw.W)).not.toEqual(Array.from(bw.W));
        const f = referenceGru(xv, B, T, I, u, fw, true, false).seq;
        const r = referenceGru(xv, B, T, I, u, bw, true, true).seq;
        const expected = f.flatMap((steps, b) => steps.flatMap((h, t) => [...h, ...r[b]![T - 1 - t]!]));
        expectAllClose(raw(y), expected, { rtol: 1e-12, atol: 1e-12, what: 'bidirectional concat' });
        bi.dispose();
      }),
    ));
});
