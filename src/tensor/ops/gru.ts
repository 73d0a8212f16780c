/**
 * The GRU layer's sequence pass (Keras TF2 math) as ONE registered op, `gru`: inputs x, W, U, bias
 * for D directions at once, outputs every state, the final states and the activations BPTT needs.
 * On WebGPU: forward = the input GEMM + ONE recurrence dispatch; backward (`gruGrad`) = ONE BPTT
 * dispatch (which also takes dW = xᵀ·dXp as per-tile partials), one partial-sum dispatch and the
 * GEMM dx = dXp·Wᵀ. On the CPU both are single fused loops (src/kernels/gru-cpu.ts).
 * A per-step composition of ordinary ops serves hidden sizes above the fused kernels' limit and
 * is the reference the fused path is tested against.
 */
import { gateWidth, gruBackwardKernel, gruForwardKernel, MAX_FUSED_UNITS, type GruDevice, type GruGeometry, type GruVariant } from '../../kernels/gru.js';
import type { Backend } from '../../kernels/backend.js';
import { zeros } from '../creation.js';
import { engine } from '../engine.js';
import { fail, fmtShape } from '../errors.js';
import { applyMulti, defineOp, type OpCase } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { add, mul, sigmoid, sub, tanh } from './elementwise.js';
import { matMul, matmulChoice } from './matmul.js';
import { concat, pad, reshape, reverse, slice, stack } from './movement.js';

/** Test and tuning knobs. */
export const gruConfig: {
  /** Kernel family on WebGPU: 'auto' follows the backend (SwiftShader → 'fallback'). */
  variant: 'auto' | GruVariant;
  /** 'auto': fused up to `maxFusedUnits` hidden units, per-step above. */
  path: 'auto' | 'fused' | 'perStep';
  maxFusedUnits: number;
  /** Threads per workgroup of the tiled kernels (at most 256 and the device's limit). */
  tileThreads: number;
  /** Sequences per tiled workgroup; 0 picks it from the batch (≥ 128 workgroups when possible). */
  tileSequences: number;
} = { variant: 'auto', path: 'auto', maxFusedUnits: MAX_FUSED_UNITS, tileThreads: 256, tileSequences: 0 };

export interface GruAttrs {
  units: number;
  resetAfter: boolean;
  /** One entry per direction: true = that direction consumes t = T−1 … 0. */
  backwards: readonly boolean[];
  /** Keep the activations BPTT needs (output 2); false only without gradients. */
  save: boolean;
}

interface GruGradAttrs extends GruAttrs {
  /** Which output gradients are passed after [x, W, U, G, H]: dH, dHL (never both), dG. */
  dH: boolean;
  dHL: boolean;
  dG: boolean;
  /** Compute dx (output 0; empty otherwise). */
  dx: boolean;
}

function geometry(x: Tensor, a: GruAttrs): GruGeometry {
  return {
    B: x.shape[0]!,
    T: x.shape[1]!,
    F: x.shape[2]!,
    D: a.backwards.length,
    units: a.units,
    resetAfter: a.resetAfter,
    backMask: a.backwards.reduce((m, back, d) => m | (back ? 1 << d : 0), 0),
    save: a.save,
  };
}

/** Kernel families and limits of the backend a tensor lives on. */
function device(t: Tensor, op: string): GruDevice {
  const backend = t.storageFor(op).backend as Backend & { variant?: 'tiled' | 'fallback'; limits?: GPUSupportedLimits };
  const tiled = backend.variant === 'tiled';
  return {
    variant: gruConfig.variant !== 'auto' ? gruConfig.variant : tiled ? 'tiled' : 'fallback',
    matmul: matmulChoice(t, op),
    storage: backend.limits?.maxComputeWorkgroupStorageSize ?? 16384,
    threads: Math.min(gruConfig.tileThreads, 256, backend.limits?.maxComputeInvocationsPerWorkgroup ?? 256),
    sequences: gruConfig.tileSequences,
  };
}

function biasShape(D: number, u: number, resetAfter: boolean): number[] {
  return resetAfter ? [D, 2, 3 * u] : [D, 3 * u];
}

function checkWeights(op: string, x: Tensor, W: Tensor, U: Tensor, a: GruAttrs): void {
  const D = a.backwards.length;
  const u = a.units;
  if (!Number.isInteger(u) || u < 1) fail(op, `units must be a positive integer, got ${u}`);
  if (D < 1 || D > 30) fail(op, `needs 1 to 30 directions, got ${D}`);
  if (x.rank !== 3 || x.shape[1]! < 1 || x.shape[2]! < 1) fail(op, `x must be [batch, time ≥ 1, features ≥ 1], got ${fmtShape(x.shape)}`);
  const F = x.shape[2]!;
  if (!sameDims(W, [F, D * 3 * u])) fail(op, `kernel must have shape [${F}, ${D * 3 * u}] (features, directions·3·units), got ${fmtShape(W.shape)}`);
  if (!sameDims(U, [D, u, 3 * u])) fail(op, `recurrent kernel must have shape [${D}, ${u}, ${3 * u}] (directions, units, 3·units), got ${fmtShape(U.shape)}`);
}

/**
 * inputs [x [B, T, F], W [F, D·3u], U [D, u, 3u], bias [D, 2, 3u] | [D, 3u]]
 * → [H [B, T, D·u] (input-time order), HL [B, D·u] (final states), G [B, T, D·GW] (saved activations)].
 */
export const gruOp = defineOp<GruAttrs>({
  name: 'gru',
  infer(inputs, a) {
    if (inputs.length !== 4) fail('gru', `expects 4 inputs (x, kernel, recurrent kernel, bias), got ${inputs.length}`);
    const [x, W, U, bias] = inputs as [Tensor, Tensor, Tensor, Tensor];
    for (const t of inputs) if (t.dtype !== 'float32') fail('gru', `inputs must be float32, got ${t.dtype}`);
    checkWeights('gru', x, W, U, a);
    const D = a.backwards.length;
    const u = a.units;
    const bs = biasShape(D, u, a.resetAfter);
    if (!sameDims(bias, bs)) fail('gru', `bias must have shape ${fmtShape(bs)} for resetAfter=${a.resetAfter}, got ${fmtShape(bias.shape)}`);
    const [B, T] = x.shape as [number, number];
    return [
      { shape: [B, T, D * u], dtype: 'float32' },
      { shape: [B, D * u], dtype: 'float32' },
      { shape: [B, T, a.save ? D * gateWidth(u, a.resetAfter) : 0], dtype: 'float32' },
    ];
  },
  kernel([x], _outs, a) {
    return gruForwardKernel('gru', geometry(x!, a), device(x!, 'gru'));
  },
  grad: ({ dys, inputs: [x, W, U], outputs: [H, , G], attrs }) => {
    if (!attrs.save) fail('gru', 'gradient requested from a pass run without saved activations (save: false)');
    let [dH, dHL, dG] = dys;
    // The BPTT kernel binds at most 8 buffers: with both state gradients, fold the final one in.
    if (dH && dHL) {
      dH = add(dH, finalStatesAsSequence(dHL, H!.shape[1]!, attrs));
      dHL = null;
    }
    const extra = [dH, dHL, dG].filter((t): t is Tensor => !!t);
    const wantDx = x!.requiresGrad;
    const [dx, dW, dU, dBias] = applyMulti(gruGradOp, [x!, W!, U!, G!, H!, ...extra], { ...attrs, dH: !!dH, dHL: !!dHL, dG: !!dG, dx: wantDx });
    return [wantDx ? dx! : null, dW!, dU!, dBias!];
  },
  spec: {
    cases: ([[true, [false]], [false, [false]], [true, [true]], [false, [true]], [true, [false, true]], [false, [false, true]]] as const).map(([resetAfter, backwards]) => gruCase(resetAfter, backwards)),
  },
});

function gruCase(resetAfter: boolean, backwards: readonly boolean[]): OpCase<GruAttrs> {
  const [B, T, F, u] = [3, 5, 4, 7];
  const D = backwards.length;
  return {
    inputs: [
      { shape: [B, T, F], low: -1, high: 1 },
      { shape: [F, D * 3 * u], low: -0.6, high: 0.6 },
      { shape: [D, u, 3 * u], low: -0.6, high: 0.6 },
      { shape: biasShape(D, u, resetAfter), low: -0.5, high: 0.5 },
    ],
    attrs: { units: u, resetAfter, backwards, save: true },
    note: `${resetAfter ? 'resetAfter' : 'reset before'}${backwards.map((b) => (b ? ' backward' : ' forward')).join(',')}`,
  };
}

/** dHL [B, D·u] placed at each direction's last processed step of a [B, T, D·u] zero sequence. */
function finalStatesAsSequence(dHL: Tensor, T: number, a: GruAttrs): Tensor {
  const B = dHL.shape[0]!;
  const u = a.units;
  const pieces = a.backwards.map((back, d) => {
    const piece = reshape(a.backwards.length === 1 ? dHL : slice(dHL, [0, d * u], [B, u]), [B, 1, u]);
    return pad(piece, [[0, 0], back ? [0, T - 1] : [T - 1, 0], [0, 0]]);
  });
  return concat(pieces, 2);
}

/**
 * Backward of `gru`: inputs [x, W, U, G, H, dH?, dHL?, dG?] → [dx (as x, or empty), dW, dU, dBias].
 * Three dispatches on WebGPU: the walk back through time (dXp, and per-tile partials of dU, dW and
 * dBias), the sum of the partials, and the GEMM dx = dXp·Wᵀ.
 */
export const gruGradOp = defineOp<GruGradAttrs>({
  name: 'gruGrad',
  infer(inputs, a) {
    const n = 5 + Number(a.dH) + Number(a.dHL) + Number(a.dG);
    if (inputs.length !== n) fail('gruGrad', `expects ${n} inputs for dH=${a.dH}, dHL=${a.dHL}, dG=${a.dG}, got ${inputs.length}`);
    if (a.dH && a.dHL) fail('gruGrad', 'takes dH or dHL, not both (fold the final-state gradient into dH)');
    const [x, W, U, G, H] = inputs as [Tensor, Tensor, Tensor, Tensor, Tensor];
    checkWeights('gruGrad', x, W, U, a);
    const D = a.backwards.length;
    const u = a.units;
    const [B, T] = x.shape as [number, number];
    if (!sameDims(H, [B, T, D * u])) fail('gruGrad', `hidden states must have shape [${B}, ${T}, ${D * u}], got ${fmtShape(H.shape)}`);
    const GW = gateWidth(u, a.resetAfter);
    if (!sameDims(G, [B, T, D * GW])) fail('gruGrad', `saved activations must have shape [${B}, ${T}, ${D * GW}], got ${fmtShape(G.shape)}`);
    let k = 5;
    if (a.dH && !sameDims(inputs[k++]!, H.shape)) fail('gruGrad', `dH must have shape ${fmtShape(H.shape)}`);
    if (a.dHL && !sameDims(inputs[k++]!, [B, D * u])) fail('gruGrad', `dHL must have shape [${B}, ${D * u}]`);
    if (a.dG && !sameDims(inputs[k++]!, G.shape)) fail('gruGrad', `dG must have shape ${fmtShape(G.shape)}`);
    return [
      { shape: a.dx ? x.shape : [0], dtype: 'float32' },
      { shape: W.shape, dtype: 'float32' },
      { shape: U.shape, dtype: 'float32' },
      { shape: biasShape(D, u, a.resetAfter), dtype: 'float32' },
    ];
  },
  kernel(inputs, _outs, a) {
    const x = inputs[0]!;
    return gruBackwardKernel('gruGrad', { ...geometry(x, a), save: true }, { dH: a.dH, dHL: a.dHL, dG: a.dG, dx: a.dx }, device(x, 'gruGrad'));
  },
  spec: {
    noGrad: 'the fused BPTT kernel of gru (its own gradient is not needed)',
    cases: ([[true, [false]], [false, [true]], [true, [false, true]], [false, [true, false]]] as const).map(([resetAfter, backwards], i) => {
      const [B, T, F, u] = [3, 5, 4, 7];
      const D = backwards.length;
      const GW = gateWidth(u, resetAfter);
      // Vary which output gradients are present, and whether dx is wanted.
      const dH = i !== 1;
      const dHL = i === 1;
      const dG = i >= 2;
      const activations = { shape: [B, T, D * GW], low: 0.05, high: 0.95 };
      return {
        inputs: [
          { shape: [B, T, F], low: -1, high: 1 },
          { shape: [F, D * 3 * u], low: -0.6, high: 0.6 },
          { shape: [D, u, 3 * u], low: -0.6, high: 0.6 },
          activations,
          { shape: [B, T, D * u], low: -1, high: 1 },
          ...(dH ? [{ shape: [B, T, D * u] }] : []),
          ...(dHL ? [{ shape: [B, D * u] }] : []),
          ...(dG ? [activations] : []),
        ],
        attrs: { units: u, resetAfter, backwards, save: true, dH, dHL, dG, dx: i !== 2 },
        note: `${resetAfter ? 'resetAfter' : 'reset before'} D=${D}${dH ? ' dH' : ''}${dHL ? ' dHL' : ''}${dG ? ' dG' : ''}${i !== 2 ? ' dx' : ''}`,
      };
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

/** x [B, T, F] · W [F, N] as one GEMM over all B·T rows → [B, T, N] (the per-step path's projection). */
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
  const [H, HL] = applyMulti(gruOp, [x, kernel, reshape(recurrentKernel, [1, u, 3 * u]), reshape(b, biasShape(1, u, resetAfter))], {
    units: u, resetAfter, backwards: [goBackwards], save,
  });
  if (!returnSequences) return { output: HL!, state: HL! };
  return { output: goBackwards ? reverse(H!, 1) : H!, state: HL! };
}

function zerosOn(like: Tensor, shape: number[]): Tensor {
  return zeros(shape, 'float32', like.storageFor('gruSequence').backend);
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
  const [H, HL] = applyMulti(gruOp, [x, kernel, recurrentKernel, b], { units: u, resetAfter, backwards: options.backwards, save });
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
