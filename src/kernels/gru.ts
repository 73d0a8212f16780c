import fwdFallbackSource from '../../shaders/gru_forward_fallback.wgsl';
import fwdTiledSource from '../../shaders/gru_forward_tiled.wgsl';
import bwdFallbackSource from '../../shaders/gru_backward_fallback.wgsl';
import bwdTiledSource from '../../shaders/gru_backward_tiled.wgsl';
import reduceSource from '../../shaders/gru_reduce.wgsl';
import weightsFallbackSource from '../../shaders/gru_weights_fallback.wgsl';
import type { GpuProgram, HostArray, Kernel, Uniform } from './backend.js';
import { gruBackwardCpu, gruForwardCpu } from './gru-cpu.js';
import { gruBackwardThreaded, gruForwardThreaded } from './gru-threads.js';
import { matmulKernel, type MatmulChoice } from './matmul.js';
import { fillTemplate, grid } from './template.js';
import { backwardStep, forwardStep, previousState, privateWeights, weightSlices, weightSplit } from './webgpu/gru-unrolled.js';

/**
 * A GRU layer over whole sequences (Keras TF2 math, gate order [z | r | h]) for D directions at
 * once: the input projection and the recurrence forward, BPTT and every gradient backward.
 *
 * Layouts (row-major):
 *   x  [B, T, F]      inputs (shared by the directions)
 *   W  [F, D·3u]      input kernels side by side (direction d at columns d·3u…)
 *   U  [D, u, 3u]     recurrent kernels
 *   bias [D, 2, 3u] (resetAfter: input row, recurrent row) or [D, 3u]
 *   H  [B, T, D·u]    state after consuming input t (input-time order for both directions, so
 *                     D = 2 is Bidirectional's 'concat' layout)
 *   HL [B, D·u]       final state of each direction
 *   G  [B, T, D·GW]   saved activations for BPTT: z, r, ĥ and (resetAfter) hU_h + b_rh; GW = 4u or 3u
 *   xp, dXp [B, T, D·3u]  projected inputs and their gradient (GPU scratch only)
 *
 * WebGPU, forward: xp = x·W (GEMM), then ONE recurrence dispatch over every step and direction.
 * Backward: ONE BPTT dispatch (dXp, and per-tile partials of dU, dW and dBias accumulated over the
 * tile's steps — split-K for dW = xᵀ·dXp, whose K = B·T is huge and whose output is tiny), one
 * dispatch summing the partials, one GEMM dx = dXp·Wᵀ (which also sums the directions). The
 * barrier-free family (SwiftShader) computes the per-sequence partials in a kernel of its own
 * after BPTT (gru_weights_fallback.wgsl): BPTT's private memory holds U, not the partials.
 * The CPU loops (gru-cpu.ts) fuse the projection and its gradients into the time loop.
 */
export interface GruGeometry {
  B: number;
  T: number;
  /** Input features. */
  F: number;
  D: number;
  units: number;
  resetAfter: boolean;
  /** Bit d set: direction d consumes t = T−1 … 0. */
  backMask: number;
  /** Write G (the activations BPTT needs); false for inference, where G is empty. */
  save: boolean;
}

/** Which optional output gradients the BPTT kernel reads (absent ones are zero), and whether dx is wanted. */
export interface GruGradInputs {
  dH: boolean;
  dHL: boolean;
  dG: boolean;
  dx: boolean;
}

export type GruVariant = 'tiled' | 'fallback';

/** Columns of saved activations per direction. */
export const gateWidth = (units: number, resetAfter: boolean): number => (resetAfter ? 4 : 3) * units;

/** Hidden sizes the fused kernels take; above, the op layer uses the per-step composition. */
export const MAX_FUSED_UNITS = 256;

/** How a tiled workgroup is laid out: S sequences × TPS threads, each thread owning KPT units. */
export interface TileShape {
  S: number;
  TPS: number;
  KPT: number;
  sharedU: boolean;
}

export function tileShape(g: Pick<GruGeometry, 'B' | 'D' | 'units' | 'F'>, workgroupStorageBytes: number, maxInvocations = 256, sequences = 0): TileShape {
  const u = g.units;
  const maxThreads = Math.min(256, maxInvocations);
  const KPT = Math.ceil(u / maxThreads);
  const TPS = Math.ceil(u / KPT);
  // Aim for ≥ 128 workgroups so that a GPU's SMs all get a tile; never more sequences than exist.
  const byThreads = Math.max(1, Math.floor(maxThreads / TPS));
  let S = Math.max(1, Math.min(byThreads, sequences > 0 ? sequences : Math.floor((g.B * g.D) / 128), g.B));
  // Backward is the larger kernel: h_prev, dĥ, r⊙h_prev (u each), recurrent grads (3u) and the
  // inputs (F), all double-buffered.
  const perSeq = 2 * (6 * u + g.F);
  while (S > 1 && S * perSeq * 4 > workgroupStorageBytes) S--;
  const sharedU = (S * perSeq + 3 * u * u) * 4 <= workgroupStorageBytes;
  return { S, TPS, KPT, sharedU };
}

/** Whether the tiled kernels fit this device at all (one sequence per workgroup, U in global memory). */
export function tiledFits(g: Pick<GruGeometry, 'units' | 'F'>, workgroupStorageBytes: number): boolean {
  return 2 * (6 * g.units + g.F) * 4 <= workgroupStorageBytes;
}

/**
 * Whether the barrier-free kernels hold their private copy of U entirely in private memory; past
 * that, the rest is read from storage, which is slow and (unrolled, code ∝ units²) slow to compile.
 */
export function fallbackFits(g: Pick<GruGeometry, 'units' | 'resetAfter'>): boolean {
  return privateWeights(g.units, g.resetAfter ? 2 : 1, 2 * g.units).spill === 0;
}

/** The kernel family to use: the requested one unless it cannot hold this layer. */
export function pickVariant(want: GruVariant, g: Pick<GruGeometry, 'units' | 'F' | 'resetAfter'>, workgroupStorageBytes: number): GruVariant {
  if (want === 'fallback' && !fallbackFits(g) && tiledFits(g, workgroupStorageBytes)) return 'tiled';
  return want;
}

// ---------------------------------------------------------------------------------------------
// WebGPU

const WGSL_COMMON = (g: GruGeometry) => ({
  UNITS: g.units,
  F: g.F,
  GW: gateWidth(g.units, g.resetAfter),
  NB: g.resetAfter ? 2 : 1,
  RESET_AFTER: g.resetAfter ? 'true' : 'false',
});

/** Invocations per barrier-free workgroup: one SwiftShader SIMD group, so that small batches still spread over every core. */
const FALLBACK_WG = 4;

export interface GruDevice {
  variant: GruVariant;
  matmul: MatmulChoice;
  /** maxComputeWorkgroupStorageSize */
  storage: number;
  /** Threads per tiled workgroup at most. */
  threads: number;
  /** Sequences per tiled workgroup (0: chosen from the batch size). */
  sequences: number;
}

/** Forward: inputs [x, W, U, bias] → outputs [H, HL, G]; scratch [xp]. */
export function gruForwardKernel(name: string, g: GruGeometry, dev: GruDevice): Kernel {
  const { B, T, F, D, units: u } = g;
  const N = D * 3 * u;
  const save = {
    G_DECL: g.save ? '@group(0) @binding(5) var<storage, read_write> G: array<f32>;' : '',
    SAVE_FN: g.save ? 'fn saveGate(i: u32, v: f32) { G[i] = v; }' : 'fn saveGate(i: u32, v: f32) {}',
    B_UNIFORM: g.save ? 6 : 5,
  };
  // Storages: [x, W, U, bias, H, HL, G, xp].
  const XP = 7;
  const bind = g.save ? [XP, 2, 3, 4, 5, 6] : [XP, 2, 3, 4, 5];
  const tag = `${g.resetAfter ? 'ra' : 'rb'}${g.save ? ':save' : ''}`;
  const variant = pickVariant(dev.variant, g, dev.storage);
  return {
    name,
    temps: [{ size: Math.max(1, B * T * N), dtype: 'float32' }],
    cpu(inputs, outputs, threads) {
      const [x, W, U, bias] = inputs as [HostArray, HostArray, HostArray, HostArray];
      const [H, HL, G] = outputs as [HostArray, HostArray, HostArray];
      gruForwardThreaded(threads, g, x, W, U, bias, H, HL, G);
    },
    gpu(): GpuProgram[] {
      const common = WGSL_COMMON(g);
      const project = matmulProgram(name, { M: B * T, N, K: F, aM: F, aK: 1, bK: N, bN: 1 }, dev.matmul, [0, 1, XP]);
      if (variant === 'fallback') {
        const [nx, ny] = grid(Math.ceil(B / FALLBACK_WG));
        return [project, {
          key: `gru:fwd:fallback:u${u}:${tag}`,
          workgroups: [nx, ny, D],
          bind,
          uniforms: u32s(B, T, D, g.backMask, nx),
          code: () => {
            const w = privateWeights(u, common.NB, u);
            return fillTemplate(fwdFallbackSource, { ...common, ...save, WG: FALLBACK_WG, W_DECL: w.decl, W_LOAD: w.load, STEP: forwardStep(g, w.read) });
          },
        }];
      }
      const ts = tileShape(g, dev.storage, dev.threads, dev.sequences);
      return [project, {
        key: `gru:fwd:tiled:u${u}:${tag}:S${ts.S}:T${ts.TPS}:K${ts.KPT}:${ts.sharedU ? 'su' : 'gu'}`,
        workgroups: [Math.ceil(B / ts.S), D, 1],
        bind,
        uniforms: u32s(B, T, D, g.backMask),
        code: () => fillTemplate(fwdTiledSource, { ...common, ...save, ...tiledValues(g, ts) }),
      }];
    },
  };
}

/**
 * Backward: inputs [x, W, U, G, H, dH?, dHL?, dG?] (never both dH and dHL: the op folds dHL into
 * dH then, keeping the BPTT kernel within 8 storage bindings) → outputs [dx, dW, dU, dBias]
 * (dx empty unless wanted); scratch [dXp, partials, GH]. The barrier-free family sums the
 * weight gradients in a kernel of their own after BPTT, from dXp and GH (reset after: the
 * recurrent-side ĥ gradient, [B, T, D·u]; a 1-element dummy otherwise).
 */
export function gruBackwardKernel(name: string, g: GruGeometry, has: GruGradInputs, dev: GruDevice): Kernel {
  const { B, T, F, D, units: u } = g;
  const NB = g.resetAfter ? 2 : 1;
  const N = D * 3 * u;
  const per = (u + F + NB) * 3 * u;
  const variant = pickVariant(dev.variant, g, dev.storage);
  const ts = variant === 'tiled' ? tileShape(g, dev.storage, dev.threads, dev.sequences) : null;
  const nParts = ts ? Math.ceil(B / ts.S) : B;
  const nIn = 5 + Number(has.dH) + Number(has.dHL) + Number(has.dG);
  const gh = !ts && g.resetAfter;
  return {
    name,
    temps: [
      { size: Math.max(1, B * T * N), dtype: 'float32' },
      { size: Math.max(1, nParts * D * per), dtype: 'float32' },
      { size: gh ? B * T * D * u : 1, dtype: 'float32' },
    ],
    cpu(inputs, outputs, threads) {
      gruBackwardThreaded(threads, g, has, inputs, outputs);
    },
    gpu(): GpuProgram[] {
      const common = WGSL_COMMON(g);
      // Storages: [x, W, U, G, H, (dH), (dHL), (dG), dx, dW, dU, dBias, dXp, partials, GH].
      const [DX, DW, DU, DB, DXP, PART, GH] = [nIn, nIn + 1, nIn + 2, nIn + 3, nIn + 4, nIn + 5, nIn + 6];
      const optional = [...Array(nIn - 5).keys()].map((i) => 5 + i);
      const flags = `${has.dH ? 'h' : ''}${has.dHL ? 'l' : ''}${has.dG ? 'g' : ''}`;
      const ra = g.resetAfter ? 'ra' : 'rb';
      const programs: GpuProgram[] = [];
      if (!ts) {
        const [nx, ny] = grid(Math.ceil(B / FALLBACK_WG));
        const bind = [2, 3, 4, ...optional, DXP, ...(gh ? [GH] : [])];
        const opt = optionalBindings(has, 3);
        const shape = { units: u, F, resetAfter: g.resetAfter };
        programs.push({
          key: `gru:bwd:fallback:u${u}:${ra}:${flags}`,
          workgroups: [nx, ny, D],
          bind,
          uniforms: u32s(B, T, D, g.backMask, nx),
          code: () => {
            const w = privateWeights(u, 0, 2 * u);
            return fillTemplate(bwdFallbackSource, {
              ...common, ...opt, WG: FALLBACK_WG, B_DXP: opt.next, B_UNIFORM: bind.length, W_DECL: w.decl, W_LOAD: w.load,
              GH_DECL: gh ? `@group(0) @binding(${opt.next + 1}) var<storage, read_write> GH: array<f32>;` : '',
              HP_LOAD: previousState(u),
              STEP: backwardStep(shape, w.read),
            });
          },
        }, {
          key: `gru:wgrad:fallback:u${u}:F${F}:${ra}`,
          workgroups: [nx, ny, D * weightSplit(shape).slices],
          // S: GH (reset after) or G.
          bind: [0, 4, gh ? GH : 3, DXP, PART],
          uniforms: u32s(B, T, D, g.backMask, nx),
          code: () => {
            const w = weightSlices(shape);
            return fillTemplate(weightsFallbackSource, { ...common, WG: FALLBACK_WG, ACC_DECL: w.decl, ACC_LOCAL: w.local, SLICES: w.cases });
          },
        });
      } else {
        const bind = [2, 3, 4, 0, ...optional, DXP, PART];
        const opt = optionalBindings(has, 4);
        programs.push({
          key: `gru:bwd:tiled:u${u}:F${F}:${ra}:${flags}:S${ts.S}:T${ts.TPS}:K${ts.KPT}:${ts.sharedU ? 'su' : 'gu'}`,
          workgroups: [nParts, D, 1],
          bind,
          uniforms: u32s(B, T, D, g.backMask),
          code: () => fillTemplate(bwdTiledSource, { ...common, ...opt, ...tiledValues(g, ts), B_DXP: opt.next, B_PART: opt.next + 1, B_UNIFORM: bind.length }),
        });
      }
      const rw = grid(Math.ceil((D * per) / 256));
      const reduce: GpuProgram = {
        key: `gru:reduce:u${u}:F${F}:${ra}`,
        workgroups: rw,
        bind: [PART, DU, DW, DB],
        // Strides of (element, direction, part) in the partials: tiles [nParts, D, per],
        // per-sequence partials of the barrier-free kernel [per, B, D] (lane-contiguous).
        uniforms: ts ? u32s(nParts, D, rw[0], 1, per, D * per) : u32s(nParts, D, rw[0], B * D, 1, D),
        code: () => fillTemplate(reduceSource, common),
      };
      programs.push(reduce);
      // dx = dXp·Wᵀ: K runs over every direction's gates, so the directions' contributions add up.
      if (has.dx) programs.push(matmulProgram(name, { M: B * T, N: F, K: N, aM: N, aK: 1, bK: 1, bN: N }, dev.matmul, [DXP, 1, DX]));
      return programs;
    },
  };
}

/** One GEMM program of the shared matmul kernel, bound to three of this kernel's storages. */
function matmulProgram(name: string, m: { M: number; N: number; K: number; aM: number; aK: number; bK: number; bN: number }, choice: MatmulChoice, bind: number[]): GpuProgram {
  const program = matmulKernel(name, { batch: 1, aBatch: 0, bBatch: 0, ...m }, choice).gpu() as GpuProgram;
  return { ...program, bind };
}

function u32s(...values: number[]): Uniform[] {
  return values.map((v) => ['u32', v] as const);
}

function tiledValues(g: GruGeometry, ts: TileShape): Record<string, string | number> {
  const u = g.units;
  return {
    S: ts.S,
    TPS: ts.TPS,
    KPT: ts.KPT,
    WGS: ts.S * ts.TPS,
    US_SIZE: ts.sharedU ? 3 * u * u : 1,
    SHARED_U: ts.sharedU ? 'true' : 'false',
    RHS_SIZE: g.resetAfter ? 1 : 2 * ts.S * u,
  };
}

/**
 * Declarations and readers of the optional gradient inputs, from binding `first` on (after the
 * fixed ones), and the next free binding: a binding that is absent must not be declared at all
 * (layout 'auto' drops unused bindings, and a bind group may not carry extras).
 */
function optionalBindings(has: GruGradInputs, first: number): { OPTIONAL_DECLS: string; OPTIONAL_READERS: string; next: number } {
  let b = first;
  const decl: string[] = [];
  const reader = (present: boolean, name: string, fn: string) => {
    if (!present) return `fn ${fn}(i: u32) -> f32 { return 0.0; }`;
    decl.push(`@group(0) @binding(${b++}) var<storage, read> ${name}: array<f32>;`);
    return `fn ${fn}(i: u32) -> f32 { return ${name}[i]; }`;
  };
  const readers = [reader(has.dH, 'dH', 'readDH'), reader(has.dHL, 'dHL', 'readDHL'), reader(has.dG, 'dG', 'readDG')];
  return { OPTIONAL_DECLS: decl.join('\n'), OPTIONAL_READERS: readers.join('\n'), next: b };
}

export { gruBackwardCpu, gruForwardCpu };
