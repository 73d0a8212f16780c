import registerSource from '../../shaders/matmul_register.wgsl';
import rowsSource from '../../shaders/matmul_rows.wgsl';
import tiledSource from '../../shaders/matmul_tiled.wgsl';
import type { GpuProgram, HostArray, Kernel } from './backend.js';
import { fillTemplate, grid } from './template.js';
import { wgslSum } from './webgpu/wgsl-sum.js';

/** A batched product C[b] (M×N) = A[b] (M×K) · B[b] (K×N), operands addressed through strides. */
export interface MatmulGeometry {
  batch: number;
  M: number;
  N: number;
  K: number;
  /** Element strides: batch (0 to broadcast), row and column of each operand as read. */
  aBatch: number;
  aM: number;
  aK: number;
  bBatch: number;
  bK: number;
  bN: number;
}

export type MatmulVariant = 'tiled' | 'register';

/** Which programs a matmul may use on a backend. */
export interface MatmulChoice {
  variant: MatmulVariant;
  /**
   * B's private copy in matmul_rows.wgsl may go past one address space's 8 KiB into the function
   * scope: on software adapters (SwiftShader: measured faster). NVIDIA's compiler rejected such
   * shaders ("failed to validate local memory", seen on an H200), and GPUs use the tiled family.
   */
  privateSpill: boolean;
}

/** Activations a matmul can apply to its output as it stores it. */
export type EpilogueActivation = 'linear' | 'relu' | 'tanh';

/**
 * Work fused into the store of C: + bias[n] (a third input of N values, broadcast over rows)
 * and an activation. The dense layer's x·W + b → activation is then one dispatch.
 */
export interface MatmulEpilogue {
  bias: boolean;
  activation: EpilogueActivation;
}

const ACT_CPU: Record<EpilogueActivation, (v: number) => number> = { linear: (v) => v, relu: (v) => (v > 0 ? v : 0), tanh: Math.tanh };
// tanh through a clamp, as the elementwise tanh op does (some implementations return NaN for large |v|).
const ACT_WGSL: Record<EpilogueActivation, (v: string) => string> = { linear: (v) => v, relu: (v) => `max(${v}, 0.0)`, tanh: (v) => `tanh(clamp(${v}, -10.0, 10.0))` };

export function matmulKernel(name: string, g: MatmulGeometry, { variant, privateSpill }: MatmulChoice, epilogue?: MatmulEpilogue): Kernel {
  const ep = epilogue && (epilogue.bias || epilogue.activation !== 'linear') ? epilogue : undefined;
  return {
    name,
    cpu(inputs: readonly HostArray[], outputs: readonly HostArray[]) {
      matmulCpu(g, inputs, outputs);
      if (!ep) return;
      const c = outputs[0]!;
      const bias = ep.bias ? inputs[2]! : null;
      const act = ACT_CPU[ep.activation];
      const N = g.N;
      for (let i = 0; i < c.length; i++) c[i] = act(bias ? c[i]! + bias[i % N]! : c[i]!);
    },
    gpu(): GpuProgram {
      const bias = ep?.bias ?? false;
      const out = ACT_WGSL[ep?.activation ?? 'linear'](bias ? '(v + bias[n])' : 'v');
      const bindings = {
        EPILOGUE_BINDINGS: bias ? '@group(0) @binding(2) var<storage, read> bias: array<f32>;' : '',
        C_BINDING: bias ? 3 : 2,
        U_BINDING: bias ? 4 : 3,
        OUT: out,
      };
      const epKey = ep ? `:${bias ? 'bias' : 'nobias'}:${ep.activation}` : '';
      if (variant === 'register' && g.K * g.N <= (privateSpill ? ROWS_MAX_KN : ROWS_PRIVATE) && g.K <= ROWS_MAX_K) return rowsProgram(g, epKey, bindings, out);
      // Both other variants cover a 64×64 block of C per 16×16 workgroup.
      return {
        key: `matmul:${variant}${epKey}`,
        workgroups: [Math.ceil(g.N / 64), Math.ceil(g.M / 64), g.batch],
        uniforms: [g.M, g.N, g.K, g.aBatch, g.bBatch, g.aM, g.aK, g.bK, g.bN].map((v) => ['u32', v] as const),
        code: () => fillTemplate(variant === 'tiled' ? tiledSource : registerSource, bindings),
      };
    },
  };
}

/** Floats of WGSL's 8 KiB limit per address space: B's module-scope private copy, then its function-scope rest. */
const ROWS_PRIVATE = 2048;
/** The function-scope part leaves room for the invocation's other variables. */
const ROWS_MAX_KN = ROWS_PRIVATE + ROWS_PRIVATE - 64;
/**
 * matmul_rows.wgsl reads a row of A as K unrolled loads, each a branch per lane on SwiftShader:
 * compile time grows fast with K (a minute at K = 2048), and a large K (a weight gradient's
 * batch) changes with the batch size, so each would compile anew. 192: both directions of a
 * bidirectional GRU's input gradient (2 × 3 × 32 gate columns) in one product.
 */
const ROWS_MAX_K = 192;
/** Invocations per workgroup of matmul_rows.wgsl: one SwiftShader SIMD group, so small M still spreads over the cores. */
const ROWS_WG = 4;

/**
 * The register family's program for a small B: whole rows of C per invocation, B held in private
 * memory (matmul_rows.wgsl). Rows per invocation: enough invocations for the cores (M/64), at
 * most 64 so that copying B stays a small share.
 */
function rowsProgram(g: MatmulGeometry, epKey: string, bindings: Record<string, string | number>, out: string): GpuProgram {
  const { K, N } = g;
  const rows = Math.min(64, Math.max(1, Math.floor(g.M / 64)));
  const [nx, ny] = grid(Math.ceil(Math.ceil(g.M / rows) / ROWS_WG));
  const kp = Math.min(K * N, ROWS_PRIVATE);
  const bAt = (i: number) => (i < kp ? `Bp[${i}]` : `Bf[${i - kp}]`);
  const row = [...Array(K).keys()].map((k) => `let a${k} = A[a + ${k}u * u.aK];`);
  for (let n = 0; n < N; n++) {
    const dot = wgslSum([...Array(K).keys()].map((k) => `a${k} * ${bAt(k * N + n)}`));
    row.push(`{ let n = ${n}u; let v = ${dot}; C[o + n] = ${out}; }`);
  }
  return {
    key: `matmul:rows:K${K}:N${N}${epKey}`,
    workgroups: [nx, ny, g.batch],
    uniforms: [g.M, N, K, g.aBatch, g.bBatch, g.aM, g.aK, g.bK, g.bN, rows, nx].map((v) => ['u32', v] as const),
    code: () =>
      fillTemplate(rowsSource, {
        ...bindings,
        K,
        N,
        KP: kp,
        BF_DECL: K * N > kp ? `var Bf: array<f32, ${K * N - kp}>;` : '',
        B_STORE: K * N > kp ? `if (i < ${kp}u) { Bp[i] = v; } else { Bf[i - ${kp}u] = v; }` : 'Bp[i] = v;',
        WG: ROWS_WG,
        ROW: row.join('\n    '),
      }),
  };
}

/** The CPU reference product C = A·B (every element written). */
function matmulCpu(g: MatmulGeometry, inputs: readonly HostArray[], outputs: readonly HostArray[]): void {
  const [a, b] = inputs as [HostArray, HostArray];
  const c = outputs[0]!;
  const { M, N, K, aM, aK, bK, bN } = g;
  // i-k-j order: the inner loop streams a row of B into a row of C (contiguous when bN = 1).
  for (let bt = 0; bt < g.batch; bt++) {
    const aOff = bt * g.aBatch;
    const bOff = bt * g.bBatch;
    for (let m = 0; m < M; m++) {
      const cRow = (bt * M + m) * N;
      if (aK === 1 && bK === 1) {
        // A·Bᵀ: both operands are contiguous along K, so each output is a dot product.
        const aRow = aOff + m * aM;
        for (let n = 0; n < N; n++) {
          const bCol = bOff + n * bN;
          let acc = 0;
          for (let k = 0; k < K; k++) acc += a[aRow + k]! * b[bCol + k]!;
          c[cRow + n] = acc;
        }
        continue;
      }
      c.fill(0, cRow, cRow + N);
      for (let k = 0; k < K; k++) {
        const av = a[aOff + m * aM + k * aK]!;
        if (av === 0) continue;
        const bRow = bOff + k * bK;
        if (bN === 1) for (let n = 0; n < N; n++) c[cRow + n]! += av * b[bRow + n]!;
        else for (let n = 0; n < N; n++) c[cRow + n]! += av * b[bRow + n * bN]!;
      }
    }
  }
}
