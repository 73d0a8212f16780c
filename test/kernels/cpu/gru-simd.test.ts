// The float32 CPU GRU on WebAssembly SIMD == the float64 JS loops within float32 rounding, at odd
// sizes (units and batch not multiples of the four lanes, a ragged last block), both gate
// variants, two directions one of them backwards, every optional gradient input; and it really
// ran on WebAssembly (Node has SIMD, so a silent fallback to the JS loops would fail here).
import { describe, expect, it } from 'vitest';
import { gruBackwardCpu, gruForwardCpu } from '../../../src/kernels/gru-cpu.js';
import { gruWasm } from '../../../src/kernels/cpu/wasm/gru-module.js';
import type { GruGeometry } from '../../../src/kernels/gru.js';
import { Rng } from '../../../src/tensor/random.js';
import { expectAllClose } from '../../helpers/allclose.js';

const T = 9;
const D = 2;
const tolerance = { rtol: 1e-4, atol: 2e-5 };

/** The same values as float32 and as float64 (already rounded to float32, so both paths see equal inputs). */
function pair(rng: Rng, n: number, scale: number): [Float32Array, Float64Array] {
  const f32 = Float32Array.from(rng.uniform(n, -scale, scale));
  return [f32, Float64Array.from(f32)];
}

describe('CPU GRU on WebAssembly SIMD', () => {
  it('is available in Node', () => {
    expect(gruWasm()).not.toBeNull();
  });

  for (const u of [7, 33]) {
    for (const B of [5, 13]) {
      for (const F of [3, 16]) {
        for (const resetAfter of [true, false]) {
          it(`== the float64 JS loops (units ${u}, batch ${B}, F ${F}, resetAfter ${resetAfter})`, () => {
            const g: GruGeometry = { B, T, F, D, units: u, resetAfter, backMask: 0b10, save: true };
            const G3 = 3 * u;
            const GW = (resetAfter ? 4 : 3) * u;
            const rng = new Rng(u * 1000 + B * 10 + F);
            const inputs = [
              pair(rng, B * T * F, 1),
              pair(rng, F * D * G3, Math.sqrt(6 / (F + G3))),
              pair(rng, D * u * G3, Math.sqrt(3 / u)),
              pair(rng, D * (resetAfter ? 2 : 1) * G3, 0.3),
            ];
            const sizes = [B * T * D * u, B * D * u, B * T * D * GW];
            const run = (k: 0 | 1) => {
              const out = sizes.map((n) => (k === 0 ? new Float32Array(n) : new Float64Array(n)));
              const [x, W, U, b] = inputs.map((p) => p[k]);
              gruForwardCpu(g, x!, W!, U!, b!, out[0]!, out[1]!, out[2]!);
              return out;
            };
            const wasm = gruWasm()!;
            const runs = { ...wasm.runs };
            const [H32, HL32, G32] = run(0);
            const [H64, HL64, G64] = run(1);
            expect(wasm.runs.forward - runs.forward).toBe(D * Math.ceil(B / 4));
            expectAllClose(H32!, H64!, { ...tolerance, what: 'H' });
            expectAllClose(HL32!, HL64!, { ...tolerance, what: 'HL' });
            expectAllClose(G32!, G64!, { ...tolerance, what: 'G' });

            // Backward from the same saved activations and output gradients.
            const grads = [pair(rng, B * T * D * u, 1), pair(rng, B * D * u, 1), pair(rng, B * T * D * GW, 0.1)];
            const saved = [Float32Array.from(G64!), Float32Array.from(H64!)];
            const back = (k: 0 | 1) => {
              const [x, W, U, b] = inputs.map((p) => p[k]);
              const ins = [x!, W!, U!, k === 0 ? saved[0]! : Float64Array.from(saved[0]!), k === 0 ? saved[1]! : Float64Array.from(saved[1]!), ...grads.map((p) => p[k])];
              const outs = [x!.length, W!.length, U!.length, b!.length].map((n) => (k === 0 ? new Float32Array(n) : new Float64Array(n)));
              gruBackwardCpu(g, { dH: true, dHL: true, dG: true, dx: true }, ins, outs);
              return outs;
            };
            const g32 = back(0);
            const g64 = back(1);
            expect(wasm.runs.backward - runs.backward).toBe(D * Math.ceil(B / 4));
            ['dx', 'dW', 'dU', 'dBias'].forEach((what, i) => expectAllClose(g32[i]!, g64[i]!, { ...tolerance, what }));
          });
        }
      }
    }
  }
});
