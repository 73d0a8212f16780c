import registerSource from '../../shaders/matmul_register.wgsl';
import tiledSource from '../../shaders/matmul_tiled.wgsl';
import type { GpuProgram, HostArray, Kernel } from './backend.js';

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

export function matmulKernel(name: string, g: MatmulGeometry, variant: MatmulVariant): Kernel {
  return {
    name,
    cpu(inputs: readonly HostArray[], outputs: readonly HostArray[]) {
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
    },
    gpu(): GpuProgram {
      // Both variants cover a 64×64 block of C per 16×16 workgroup.
      return {
        key: `matmul:${variant}`,
        workgroups: [Math.ceil(g.N / 64), Math.ceil(g.M / 64), g.batch],
        uniforms: [g.M, g.N, g.K, g.aBatch, g.bBatch, g.aM, g.aK, g.bK, g.bN].map((v) => ['u32', v] as const),
        code: () => (variant === 'tiled' ? tiledSource : registerSource),
      };
    },
  };
}
