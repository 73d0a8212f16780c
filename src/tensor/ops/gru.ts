/**
 * The GRU layer's sequence pass (Keras TF2 math), as few dispatches as possible:
 *   forward  = one GEMM (x·W for every step and direction) + ONE `gruRecurrence` dispatch;
 *   backward = ONE BPTT dispatch + one partial-sum dispatch (both inside `gruRecurrenceGrad`,
 *              giving dXp, dU and dBias) + the GEMMs dW = xᵀ·dXp and dx = dXp·Wᵀ.
 * A per-step composition of ordinary ops serves hidden sizes above the fused kernels' limit and
 * is the reference the fused path is tested against.
 */
import { gateWidth, gruBackwardKernel, gruForwardKernel, MAX_FUSED_UNITS, type GruGeometry, type GruVariant } from '../../kernels/gru.js';
import type { Backend } from '../../kernels/backend.js';
import { fromFlat } from '../creation.js';
import { engine } from '../engine.js';
import { fail, fmtShape } from '../errors.js';
import { applyMulti, defineOp, type OpCase } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { add, mul, sigmoid, sub, tanh } from './elementwise.js';
import { matMul } from './matmul.js';
import { concat, reshape, reverse, slice, stack } from './movement.js';

/** Test and tuning knobs. */
export const gruConfig: {
  /** Kernel family on WebGPU: 'auto' follows the backend (SwiftShader → 'fallback'). */
  variant: 'auto' | GruVariant;
  /** 'auto': fused up to `maxFusedUnits` hidden units, per-step above. */
  path: 'auto' | 'fused' | 'perStep';
  maxFusedUnits: number;
  /** Threads per workgroup of the tiled kernels (at most 256 and the device's limit). */
  tileThreads: number;
} = { variant: 'auto', path: 'auto', maxFusedUnits: MAX_FUSED_UNITS, tileThreads: 256 };

export interface GruRecurrenceAttrs {
  units: number;
  resetAfter: boolean;
  /** One entry per direction: true = that direction consumes t = T−1 … 0. */
  backwards: readonly boolean[];
  /** Keep the activations BPTT needs (output 2); false only without gradients. */
  save: boolean;
}

interface GruGradAttrs extends GruRecurrenceAttrs {
  /** Which output gradients are passed (after U, G, H): dH, dHL, dG. */
  dH: boolean;
  dHL: boolean;
  dG: boolean;
}

function geometry(xp: Tensor, a: GruRecurrenceAttrs): GruGeometry {
  return {
    B: xp.shape[0]!,
    T: xp.shape[1]!,
    D: a.backwards.length,
    units: a.units,
    resetAfter: a.resetAfter,
    backMask: a.backwards.reduce((m, back, d) => m | (back ? 1 << d : 0), 0),
    save: a.save,
  };
}

/** Kernel family and workgroup memory of the backend a tensor lives on. */
function device(t: Tensor, op: string): { variant: GruVariant; storage: number; threads: number } {
  const backend = t.storageFor(op).backend as Backend & { variant?: GruVariant; limits?: GPUSupportedLimits };
  const variant = gruConfig.variant !== 'auto' ? gruConfig.variant : backend.variant === 'tiled' ? 'tiled' : 'fallback';
  return {
    variant,
    storage: backend.limits?.maxComputeWorkgroupStorageSize ?? 16384,
    threads: Math.min(gruConfig.tileThreads, 256, backend.limits?.maxComputeInvocationsPerWorkgroup ?? 256),
  };
}

function biasShape(D: number, u: number, resetAfter: boolean): number[] {
  return resetAfter ? [D, 2, 3 * u] : [D, 3 * u];
}

function checkParams(op: string, U: Tensor, bias: Tensor, a: GruRecurrenceAttrs): void {
  const D = a.backwards.length;
  const u = a.units;
  if (!Number.isInteger(u) || u < 1) fail(op, `units must be a positive integer, got ${u}`);
  if (D < 1 || D > 30) fail(op, `needs 1 to 30 directions, got ${D}`);
  if (U.rank !== 3 || U.shape[0] !== D || U.shape[1] !== u || U.shape[2] !== 3 * u) fail(op, `recurrent kernel must have shape [${D}, ${u}, ${3 * u}] (directions, units, 3·units), got ${fmtShape(U.shape)}`);
  const bs = biasShape(D, u, a.resetAfter);
  if (bias.rank !== bs.length || bias.shape.some((v, i) => v !== bs[i])) {
    fail(op, `bias must have shape ${fmtShape(bs)} for resetAfter=${a.resetAfter}, got ${fmtShape(bias.shape)}`);
  }
}

/**
 * inputs [xp [B, T, D·3u], U [D, u, 3u], bias [D, 2, 3u] | [D, 3u]]
 * → [H [B, T, D·u] (input-time order), HL [B, D·u] (final states), G [B, T, D·GW] (saved activations)].
 */
export const gruRecurrenceOp = defineOp<GruRecurrenceAttrs>({
  name: 'gruRecurrence',
  infer(inputs, a) {
    if (inputs.length !== 3) fail('gruRecurrence', `expects 3 inputs (projected inputs, recurrent kernel, bias), got ${inputs.length}`);
    const [xp, U, bias] = inputs as [Tensor, Tensor, Tensor];
    for (const t of inputs) if (t.dtype !== 'float32') fail('gruRecurrence', `inputs must be float32, got ${t.dtype}`);
    checkParams('gruRecurrence', U, bias, a);
    const D = a.backwards.length;
    const u = a.units;
    if (xp.rank !== 3 || xp.shape[2] !== D * 3 * u) fail('gruRecurrence', `projected inputs must have shape [batch, time, ${D * 3 * u}] (directions·3·units), got ${fmtShape(xp.shape)}`);
    const [B, T] = xp.shape as [number, number];
    if (T < 1) fail('gruRecurrence', `needs at least one time step, got shape ${fmtShape(xp.shape)}`);
    return [
      { shape: [B, T, D * u], dtype: 'float32' },
      { shape: [B, D * u], dtype: 'float32' },
      { shape: [B, T, a.save ? D * gateWidth(u, a.resetAfter) : 0], dtype: 'float32' },
    ];
  },
  kernel([xp], _outs, a) {
    const dev = device(xp!, 'gruRecurrence');
    return gruForwardKernel('gruRecurrence', geometry(xp!, a), dev.variant, dev.storage, dev.threads);
  },
  grad: ({ dys, inputs: [, U], outputs: [H, , G], attrs }) => {
    if (!attrs.save) fail('gruRecurrence', 'gradient requested from a pass run without saved activations (save: false)');
    const [dH, dHL, dG] = dys;
    const extra = [dH, dHL, dG].filter((t): t is Tensor => !!t);
    const [dXp, dU, dBias] = applyMulti(gruRecurrenceGradOp, [U!, G!, H!, ...extra], { ...attrs, dH: !!dH, dHL: !!dHL, dG: !!dG });
    return [dXp!, dU!, dBias!];
  },
  spec: {
    cases: [
      ...gruCases(true, [false]),
      ...gruCases(false, [false]),
      ...gruCases(true, [true]),
      ...gruCases(false, [true]),
      ...gruCases(true, [false, true]),
      ...gruCases(false, [false, true]),
    ],
  },
});

function gruCases(resetAfter: boolean, backwards: boolean[]): OpCase<GruRecurrenceAttrs>[] {
  const [B, T, u] = [3, 5, 7];
  const D = backwards.length;
  const note = `${resetAfter ? 'resetAfter' : 'reset before'}${backwards.map((b) => (b ? ' backward' : ' forward')).join(',')}`;
  return [
    {
      inputs: [{ shape: [B, T, D * 3 * u], low: -1.5, high: 1.5 }, { shape: [D, u, 3 * u], low: -0.6, high: 0.6 }, { shape: biasShape(D, u, resetAfter), low: -0.5, high: 0.5 }],
      attrs: { units: u, resetAfter, backwards, save: true },
      note,
    },
  ];
}

/**
 * BPTT: inputs [U, G, H, dH?, dHL?, dG?] → [dXp (as xp), dU (as U), dBias (as bias)].
 * Two dispatches on WebGPU: the walk back through time (writing dXp and per-tile partials of
 * dU/dBias), and the sum of the partials.
 */
export const gruRecurrenceGradOp = defineOp<GruGradAttrs>({
  name: 'gruRecurrenceGrad',
  infer(inputs, a) {
    const n = 3 + Number(a.dH) + Number(a.dHL) + Number(a.dG);
    if (inputs.length !== n) fail('gruRecurrenceGrad', `expects ${n} inputs for dH=${a.dH}, dHL=${a.dHL}, dG=${a.dG}, got ${inputs.length}`);
    const [U, G, H] = inputs as [Tensor, Tensor, Tensor];
    const D = a.backwards.length;
    const u = a.units;
    if (H.rank !== 3 || H.shape[2] !== D * u) fail('gruRecurrenceGrad', `hidden states must have shape [batch, time, ${D * u}], got ${fmtShape(H.shape)}`);
    const [B, T] = H.shape as [number, number];
    const GW = gateWidth(u, a.resetAfter);
    if (G.rank !== 3 || G.shape[0] !== B || G.shape[1] !== T || G.shape[2] !== D * GW) fail('gruRecurrenceGrad', `saved activations must have shape [${B}, ${T}, ${D * GW}], got ${fmtShape(G.shape)}`);
    let k = 3;
    if (a.dH && !sameDims(inputs[k++]!, H.shape)) fail('gruRecurrenceGrad', `dH must have shape ${fmtShape(H.shape)}`);
    if (a.dHL && !sameDims(inputs[k++]!, [B, D * u])) fail('gruRecurrenceGrad', `dHL must have shape [${B}, ${D * u}]`);
    if (a.dG && !sameDims(inputs[k++]!, G.shape)) fail('gruRecurrenceGrad', `dG must have shape ${fmtShape(G.shape)}`);
    return [
      { shape: [B, T, D * 3 * u], dtype: 'float32' },
      { shape: U.shape, dtype: 'float32' },
      { shape: biasShape(D, u, a.resetAfter), dtype: 'float32' },
    ];
  },
  kernel(inputs, _outs, a) {
    const H = inputs[2]!;
    const dev = device(H, 'gruRecurrenceGrad');
    const g: GruGeometry = { ...geometry(H, a), save: true };
    return gruBackwardKernel('gruRecurrenceGrad', g, { dH: a.dH, dHL: a.dHL, dG: a.dG }, dev.variant, dev.storage, dev.threads);
  },
  spec: {
    noGrad: 'the fused BPTT kernel of gruRecurrence (its own gradient is not needed)',
    cases: ([[true, [false]], [false, [true]], [true, [false, true]], [false, [true, false]]] as const).flatMap(([resetAfter, backwards], i) => {
      const [B, T, u] = [3, 5, 7];
      const D = backwards.length;
      const GW = gateWidth(u, resetAfter);
      // Alternate which output gradients are present.
      const dH = i !== 1;
      const dHL = i !== 0;
      const dG = i >= 2;
      const activations = { shape: [B, T, D * GW], low: 0.05, high: 0.95 };
      return [
        {
          inputs: [
            { shape: [D, u, 3 * u], low: -0.6, high: 0.6 },
            activations,
            { shape: [B, T, D * u], low: -1, high: 1 },
            ...(dH ? [{ shape: [B, T, D * u] }] : []),
            ...(dHL ? [{ shape: [B, D * u] }] : []),
            ...(dG ? [activations] : []),
          ],
          attrs: { units: u, resetAfter, backwards, save: true, dH, dHL, dG },
          note: `${resetAfter ? 'resetAfter' : 'reset before'} D=${D}${dH ? ' dH' : ''}${dHL ? ' dHL' : ''}${dG ? ' dG' : ''}`,
        },
      ];
    }),
  },
});

function sameDims(t: Tensor, shape: readonly number[]): boolean {
  return t.rank === shape.length && t.shape.every((v, i) => v === shape[i]);
}

// ---------------------------------------------------------------------------------------------
// Public functions

export interface GruSequenceOptions {
  units: number;
  /** Keras default true: bias (2, 3u), reset gate applied after the recurrent product. */
  resetAfter?: boolean;
  /** Process t = T−1 … 0 (Keras go_backwards). */
  goBackwards?: boolean;
  /** [B, T, u] (in processing order, as Keras) instead of the last state [B, u]. */
  returnSequences?: boolean;
}

function checkSequenceArgs(op: string, x: Tensor, W: Tensor, U: Tensor, bias: Tensor | null, u: number, resetAfter: boolean, D = 1): void {
  if (x.rank !== 3) fail(op, `x must be [batch, time, features], got ${fmtShape(x.shape)}`);
  const F = x.shape[2]!;
  if (W.rank !== 2 || W.shape[0] !== F || W.shape[1] !== D * 3 * u) fail(op, `kernel must have shape [${F}, ${D * 3 * u}], got ${fmtShape(W.shape)}`);
  const us = D === 1 ? [u, 3 * u] : [D, u, 3 * u];
  if (!sameDims(U, us)) fail(op, `recurrentKernel must have shape ${fmtShape(us)}, got ${fmtShape(U.shape)}`);
  if (bias) {
    const bs = D === 1 ? biasShape(1, u, resetAfter).slice(1) : biasShape(D, u, resetAfter);
    if (!sameDims(bias, bs)) fail(op, `bias must have shape ${fmtShape(bs)} for resetAfter=${resetAfter}, got ${fmtShape(bias.shape)}`);
  }
  if (x.shape[1]! < 1) fail(op, `needs at least one time step, got x of shape ${fmtShape(x.shape)}`);
}

function usePerStep(x: Tensor, u: number): boolean {
  if (gruConfig.path !== 'auto') return gruConfig.path === 'perStep';
  return x.storageFor('gruSequence').backend.name === 'webgpu' && u > gruConfig.maxFusedUnits;
}

/** Gradients will be asked for: the same condition under which the op is put on the tape. */
function needsSave(inputs: readonly (Tensor | null)[]): boolean {
  return engine.gradEnabled && inputs.some((t) => t?.requiresGrad);
}

/** x [B, T, F] · W [F, N] as one GEMM over all B·T rows → [B, T, N]. */
function project(x: Tensor, W: Tensor): Tensor {
  const [B, T, F] = x.shape as [number, number, number];
  return reshape(matMul(reshape(x, [B * T, F]), W), [B, T, W.shape[1]!]);
}

/**
 * One GRU layer over a whole sequence (Keras TF2 semantics, h0 = 0): x [B, T, in], kernel [in, 3u],
 * recurrentKernel [u, 3u], bias [2, 3u] (resetAfter) or [3u] (or null for none).
 * Returns [B, T, u] when returnSequences (processing order, like Keras), else the last state [B, u].
 *
 * @example const h = wg.gruSequence(x, W, U, b, { units: 32 }); // [batch, 32]
 */
export function gruSequence(x: Tensor, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor | null, options: GruSequenceOptions): Tensor {
  return gruSequenceWithState(x, kernel, recurrentKernel, bias, options).output;
}

/** Whether `gruSequence` runs fused (one recurrence dispatch) for this input and hidden size. */
export function gruFusedAvailable(x: Tensor, units: number): boolean {
  return !usePerStep(x, units);
}

/**
 * `gruSequence` giving both the output and the final state [B, u] (Keras return_state) from the
 * same pass.
 */
export function gruSequenceWithState(x: Tensor, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor | null, options: GruSequenceOptions): { output: Tensor; state: Tensor } {
  const u = options.units;
  const resetAfter = options.resetAfter ?? true;
  const goBackwards = options.goBackwards ?? false;
  const returnSequences = options.returnSequences ?? false;
  checkSequenceArgs('gruSequence', x, kernel, recurrentKernel, bias, u, resetAfter);
  if (usePerStep(x, u)) {
    const output = gruSequencePerStep(x, kernel, recurrentKernel, bias, { ...options, returnSequences });
    const [B, T] = x.shape as [number, number];
    return { output, state: returnSequences ? reshape(slice(output, [0, T - 1, 0], [B, 1, u]), [B, u]) : output };
  }
  const b = bias ?? zerosOn(x, biasShape(1, u, resetAfter).slice(1));
  const save = needsSave([x, kernel, recurrentKernel, bias]);
  const [H, HL] = applyMulti(gruRecurrenceOp, [project(x, kernel), reshape(recurrentKernel, [1, u, 3 * u]), reshape(b, biasShape(1, u, resetAfter))], {
    units: u, resetAfter, backwards: [goBackwards], save,
  });
  if (!returnSequences) return { output: HL!, state: HL! };
  return { output: goBackwards ? reverse(H!, 1) : H!, state: HL! };
}

function zerosOn(like: Tensor, shape: number[]): Tensor {
  return fromFlat(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, 'float32', like.storageFor('gruSequence').backend);
}

export interface GruStackedOptions {
  units: number;
  resetAfter?: boolean;
  /** One entry per direction, e.g. [false, true] for Bidirectional. */
  backwards: readonly boolean[];
  returnSequences?: boolean;
}

/**
 * Several directions of one GRU layer in one pass (Bidirectional with mergeMode 'concat' when
 * backwards = [false, true]): kernel [in, D·3u] (directions side by side), recurrentKernel
 * [D, u, 3u], bias [D, 2, 3u] | [D, 3u]. Returns [B, T, D·u] in input-time order for every direction
 * (Keras's Bidirectional output: the backward half re-reversed) or the final states [B, D·u].
 * Costs the same dispatches as one direction, when the layer keeps its weights stacked.
 */
export function gruSequenceStacked(x: Tensor, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor | null, options: GruStackedOptions): Tensor {
  const u = options.units;
  const resetAfter = options.resetAfter ?? true;
  const D = options.backwards.length;
  checkSequenceArgs('gruSequenceStacked', x, kernel, recurrentKernel, bias, u, resetAfter, D);
  if (usePerStep(x, u)) {
    // Each direction on its own, then the same layout as the fused pass.
    const outs = options.backwards.map((back, d) => {
      const W = slice(kernel, [0, d * 3 * u], [kernel.shape[0]!, 3 * u]);
      const Ud = reshape(slice(recurrentKernel, [d, 0, 0], [1, u, 3 * u]), [u, 3 * u]);
      const bd = bias ? reshape(slice(bias, [d, ...bias.shape.slice(1).map(() => 0)], [1, ...bias.shape.slice(1)]), bias.shape.slice(1)) : null;
      const y = gruSequencePerStep(x, W, Ud, bd, { units: u, resetAfter, goBackwards: back, returnSequences: options.returnSequences ?? false });
      return options.returnSequences && back ? reverse(y, 1) : y;
    });
    return concat(outs, -1);
  }
  const b = bias ?? zerosOn(x, biasShape(D, u, resetAfter));
  const save = needsSave([x, kernel, recurrentKernel, bias]);
  const [H, HL] = applyMulti(gruRecurrenceOp, [project(x, kernel), recurrentKernel, b], { units: u, resetAfter, backwards: options.backwards, save });
  return options.returnSequences ? H! : HL!;
}

/**
 * The same layer as `gruSequence`, composed per time step from ordinary ops (about a dozen
 * dispatches per step). The path for hidden sizes above the fused kernels' limit, and the
 * reference the fused path is tested against.
 */
export function gruSequencePerStep(x: Tensor, kernel: Tensor, recurrentKernel: Tensor, bias: Tensor | null, options: GruSequenceOptions): Tensor {
  const u = options.units;
  const resetAfter = options.resetAfter ?? true;
  const goBackwards = options.goBackwards ?? false;
  checkSequenceArgs('gruSequencePerStep', x, kernel, recurrentKernel, bias, u, resetAfter);
  const [B, T] = x.shape as [number, number];
  const cols = (t: Tensor, from: number, n: number) => slice(t, [0, from], [t.shape[0]!, n]);
  let xp = project(x, kernel);
  let bRec: Tensor | null = null;
  if (bias) {
    const bIn = resetAfter ? reshape(slice(bias, [0, 0], [1, 3 * u]), [3 * u]) : bias;
    xp = add(xp, bIn);
    if (resetAfter) bRec = reshape(slice(bias, [1, 0], [1, 3 * u]), [3 * u]);
  }
  const Uzr = resetAfter ? null : cols(recurrentKernel, 0, 2 * u);
  const Uh = resetAfter ? null : cols(recurrentKernel, 2 * u, u);
  let h: Tensor | null = null;
  const outs: Tensor[] = [];
  for (let s = 0; s < T; s++) {
    const t = goBackwards ? T - 1 - s : s;
    const xt = reshape(slice(xp, [0, t, 0], [B, 1, 3 * u]), [B, 3 * u]);
    let z: Tensor;
    let n: Tensor;
    if (resetAfter) {
      let rec: Tensor | null = h ? matMul(h, recurrentKernel) : null;
      if (bRec) rec = rec ? add(rec, bRec) : bRec;
      const xzr = cols(xt, 0, 2 * u);
      const zr = sigmoid(rec ? add(xzr, rec.rank === 1 ? slice(rec, [0], [2 * u]) : cols(rec, 0, 2 * u)) : xzr);
      z = cols(zr, 0, u);
      const r = cols(zr, u, u);
      const xh = cols(xt, 2 * u, u);
      n = tanh(rec ? add(xh, mul(r, rec.rank === 1 ? slice(rec, [2 * u], [u]) : cols(rec, 2 * u, u))) : xh);
    } else {
      const xzr = cols(xt, 0, 2 * u);
      const zr = sigmoid(h ? add(xzr, matMul(h, Uzr!)) : xzr);
      z = cols(zr, 0, u);
      const r = cols(zr, u, u);
      const xh = cols(xt, 2 * u, u);
      n = tanh(h ? add(xh, matMul(mul(r, h), Uh!)) : xh);
    }
    // h' = z ⊙ h + (1 − z) ⊙ ĥ, with h0 = 0.
    h = h ? add(mul(z, h), mul(sub(1, z), n)) : mul(sub(1, z), n);
    outs.push(h);
  }
  if (!options.returnSequences) return h!;
  return stack(outs, 1);
}
