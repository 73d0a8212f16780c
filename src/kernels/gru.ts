import fwdFallbackSource from '../../shaders/gru_forward_fallback.wgsl';
import fwdTiledSource from '../../shaders/gru_forward_tiled.wgsl';
import bwdFallbackSource from '../../shaders/gru_backward_fallback.wgsl';
import bwdTiledSource from '../../shaders/gru_backward_tiled.wgsl';
import reduceSource from '../../shaders/gru_reduce.wgsl';
import type { GpuProgram, HostArray, Kernel, Uniform } from './backend.js';
import { gruBackwardCpu, gruForwardCpu } from './gru-cpu.js';
import { fillTemplate, grid } from './template.js';

/**
 * The whole-sequence GRU recurrence (Keras TF2 math, gate order [z | r | h]) for D directions at
 * once. The input projection x·W is done outside (one GEMM); this kernel adds the biases.
 *
 * Layouts (row-major):
 *   xp [B, T, D·3u]   projected inputs, direction d's gates at columns d·3u…
 *   U  [D, u, 3u]     recurrent kernels
 *   bias [D, 2, 3u] (resetAfter: input row, recurrent row) or [D, 3u]
 *   H  [B, T, D·u]    hidden state after consuming input t (input-time order for both directions,
 *                     so D = 2 is Bidirectional's 'concat' layout)
 *   HL [B, D·u]       final state of each direction
 *   G  [B, T, D·GW]   saved activations for BPTT: z, r, ĥ and (resetAfter) hU_h + b_rh; GW = 4u or 3u
 * Backward adds dXp (layout of xp), dU (of U) and dBias (of bias).
 * The CPU loops are in gru-cpu.ts.
 */
export interface GruGeometry {
  B: number;
  T: number;
  D: number;
  units: number;
  resetAfter: boolean;
  /** Bit d set: direction d consumes t = T−1 … 0. */
  backMask: number;
  /** Write G (the activations BPTT needs); false for inference, where G is empty. */
  save: boolean;
}

/** Which optional output gradients the BPTT kernel reads (absent ones are zero). */
export interface GruGradInputs {
  dH: boolean;
  dHL: boolean;
  dG: boolean;
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

export function tileShape(g: GruGeometry, workgroupStorageBytes: number, maxInvocations = 256): TileShape {
  const u = g.units;
  const maxThreads = Math.min(256, maxInvocations);
  const KPT = Math.ceil(u / maxThreads);
  const TPS = Math.ceil(u / KPT);
  // Aim for ≥ 128 workgroups so that a GPU's SMs all get a tile; never more sequences than exist.
  const byThreads = Math.max(1, Math.floor(maxThreads / TPS));
  let S = Math.max(1, Math.min(byThreads, Math.floor((g.B * g.D) / 128), g.B));
  // Backward is the larger of the two: hs, ns, rhs (2·S·u each) and gs (2·S·3u) floats.
  const perSeq = 12 * u;
  while (S > 1 && S * perSeq * 4 > workgroupStorageBytes) S--;
  const sharedU = (S * perSeq + 3 * u * u) * 4 <= workgroupStorageBytes;
  return { S, TPS, KPT, sharedU };
}

// ---------------------------------------------------------------------------------------------
// WebGPU

const WGSL_COMMON = (g: GruGeometry) => ({
  UNITS: g.units,
  GW: gateWidth(g.units, g.resetAfter),
  NB: g.resetAfter ? 2 : 1,
  RESET_AFTER: g.resetAfter ? 'true' : 'false',
});

const FALLBACK_WG = 64;

/** The forward kernel: one dispatch for every direction and time step. */
export function gruForwardKernel(name: string, g: GruGeometry, variant: GruVariant, workgroupStorageBytes: number, maxThreads = 256): Kernel {
  const save = {
    G_DECL: g.save ? '@group(0) @binding(5) var<storage, read_write> G: array<f32>;' : '',
    SAVE_FN: g.save ? 'fn saveGate(i: u32, v: f32) { G[i] = v; }' : 'fn saveGate(i: u32, v: f32) {}',
    B_UNIFORM: g.save ? 6 : 5,
  };
  const bind = g.save ? [0, 1, 2, 3, 4, 5] : [0, 1, 2, 3, 4];
  const tag = `${g.resetAfter ? 'ra' : 'rb'}${g.save ? ':save' : ''}`;
  return {
    name,
    cpu(inputs, outputs) {
      const [xp, U, bias] = inputs as [HostArray, HostArray, HostArray];
      const [H, HL, G] = outputs as [HostArray, HostArray, HostArray];
      gruForwardCpu(g, xp, U, bias, H, HL, G);
    },
    gpu(): GpuProgram {
      const common = WGSL_COMMON(g);
      if (variant === 'fallback') {
        const workgroups = grid(Math.ceil((g.B * g.D) / FALLBACK_WG));
        return {
          key: `gru:fwd:fallback:u${g.units}:${tag}`,
          workgroups,
          bind,
          uniforms: u32s(g.B, g.T, g.D, g.backMask, workgroups[0]),
          code: () => fillTemplate(fwdFallbackSource, { ...common, ...save, WG: FALLBACK_WG }),
        };
      }
      const ts = tileShape(g, workgroupStorageBytes, maxThreads);
      const nTiles = Math.ceil(g.B / ts.S);
      return {
        key: `gru:fwd:tiled:u${g.units}:${tag}:S${ts.S}:T${ts.TPS}:K${ts.KPT}:${ts.sharedU ? 'su' : 'gu'}`,
        workgroups: [nTiles, g.D, 1],
        bind,
        uniforms: u32s(g.B, g.T, g.D, g.backMask),
        code: () => fillTemplate(fwdTiledSource, { ...common, ...save, ...tiledValues(g, ts) }),
      };
    },
  };
}

/** BPTT: one dispatch over every direction and time step, then one that sums the weight-gradient partials. */
export function gruBackwardKernel(name: string, g: GruGeometry, has: GruGradInputs, variant: GruVariant, workgroupStorageBytes: number, maxThreads = 256): Kernel {
  const NB = g.resetAfter ? 2 : 1;
  const per = (g.units + NB) * 3 * g.units;
  const ts = variant === 'tiled' ? tileShape(g, workgroupStorageBytes, maxThreads) : null;
  const nParts = ts ? Math.ceil(g.B / ts.S) : g.B;
  const nIn = 3 + Number(has.dH) + Number(has.dHL) + Number(has.dG);
  return {
    name,
    temps: [{ size: Math.max(1, nParts * g.D * per), dtype: 'float32' }],
    cpu(inputs, outputs) {
      gruBackwardCpu(g, has, inputs, outputs);
    },
    gpu(): GpuProgram[] {
      const common = WGSL_COMMON(g);
      // Storages: [U, G, H, (dH), (dHL), (dG), dXp, dU, dBias, partials].
      const dXp = nIn;
      const partials = nIn + 3;
      const bind = [...Array(nIn).keys(), dXp, partials];
      const opt = optionalBindings(has, bind.length);
      const flags = `${has.dH ? 'h' : ''}${has.dHL ? 'l' : ''}${has.dG ? 'g' : ''}`;
      let bptt: GpuProgram;
      if (!ts) {
        const workgroups = grid(Math.ceil((g.B * g.D) / FALLBACK_WG));
        bptt = {
          key: `gru:bwd:fallback:u${g.units}:${g.resetAfter ? 'ra' : 'rb'}:${flags}`,
          workgroups,
          bind,
          uniforms: u32s(g.B, g.T, g.D, g.backMask, workgroups[0]),
          code: () => fillTemplate(bwdFallbackSource, { ...common, ...opt, WG: FALLBACK_WG }),
        };
      } else {
        bptt = {
          key: `gru:bwd:tiled:u${g.units}:${g.resetAfter ? 'ra' : 'rb'}:${flags}:S${ts.S}:T${ts.TPS}:K${ts.KPT}:${ts.sharedU ? 'su' : 'gu'}`,
          workgroups: [nParts, g.D, 1],
          bind,
          uniforms: u32s(g.B, g.T, g.D, g.backMask),
          code: () => fillTemplate(bwdTiledSource, { ...common, ...opt, ...tiledValues(g, ts) }),
        };
      }
      const rw = grid(Math.ceil((g.D * per) / 256));
      const reduce: GpuProgram = {
        key: `gru:reduce:u${g.units}:${g.resetAfter ? 'ra' : 'rb'}`,
        workgroups: rw,
        bind: [partials, nIn + 1, nIn + 2],
        // Strides of (element, direction, part) in the partials.
        uniforms: ts ? u32s(nParts, g.D, rw[0], 1, per, g.D * per) : u32s(nParts, g.D, rw[0], g.B * g.D, 1, g.D),
        code: () => fillTemplate(reduceSource, common),
      };
      return [bptt, reduce];
    },
  };
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
 * Declarations and readers of the optional gradient inputs: a binding that is absent must not be
 * declared at all (layout 'auto' drops unused bindings, and a bind group may not carry extras).
 */
function optionalBindings(has: GruGradInputs, uniformBinding: number): Record<string, string | number> {
  let b = 3;
  const decl: string[] = [];
  const reader = (present: boolean, name: string, fn: string) => {
    if (!present) return `fn ${fn}(i: u32) -> f32 { return 0.0; }`;
    decl.push(`@group(0) @binding(${b++}) var<storage, read> ${name}: array<f32>;`);
    return `fn ${fn}(i: u32) -> f32 { return ${name}[i]; }`;
  };
  const readers = [reader(has.dH, 'dH', 'readDH'), reader(has.dHL, 'dHL', 'readDHL'), reader(has.dG, 'dG', 'readDG')];
  return {
    OPTIONAL_DECLS: decl.join('\n'),
    OPTIONAL_READERS: readers.join('\n'),
    B_DXP: b,
    B_PART: b + 1,
    B_UNIFORM: uniformBinding,
  };
}

export { gruBackwardCpu, gruForwardCpu };
