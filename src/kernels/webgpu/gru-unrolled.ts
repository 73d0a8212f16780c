/**
 * WGSL bodies of the barrier-free GRU kernels (the 'fallback' family, chosen on SwiftShader), with
 * every loop over units spelled out so that each private-array index is a constant. SwiftShader
 * (4 invocations per SIMD group) turns a dynamically indexed private array into per-lane scalar
 * loads and stores with a branch each, while a constant index is one vector access. The code
 * grows as units², so the family is capped (fallbackFits in ../gru.ts).
 *
 * Names in the generated code: h/hp/dhc are the per-invocation state arrays of the shaders;
 * xo, go, ho, po are the row offsets of xp/dXp, G, H (and GH) and the previous step's H row.
 */
import { wgslSum } from './wgsl-sum.js';

export interface GruShape {
  units: number;
  F: number;
  resetAfter: boolean;
}

/** WGSL expressions reading a constant element of the direction's U [u, 3u] and bias [NB, 3u]. */
export interface WeightReaders {
  u(c: number): string;
  bias(c: number): string;
}

const range = (n: number): number[] => [...Array(n).keys()];

/** Σ_m a(m)·U[m, col] over the u rows of U. */
function dotColumn(u: number, a: (m: number) => string, col: number, w: WeightReaders): string {
  return wgslSum(range(u).map((m) => `${a(m)} * ${w.u(m * 3 * u + col)}`));
}

/** Σ_j U[k, from + j]·g(j) over n columns of row k of U. */
function dotRow(u: number, k: number, from: number, n: number, g: (j: number) => string, w: WeightReaders): string {
  return wgslSum(range(n).map((j) => `${w.u(k * 3 * u + from + j)} * ${g(j)}`));
}

/** Floats of WGSL's limit on the private address space, and on one function's variables. */
const SPACE_FLOATS = 2048;

/**
 * Each invocation's own copy of its direction's U (then `biasRows` bias rows): module-scope
 * private pW, then function-scope fW (a second 8 KiB limit), then, past both, read from storage.
 * On SwiftShader a private array at a constant index is a plain vector load, which makes the
 * unrolled products ~10× faster than U in workgroup or storage memory and much faster to compile.
 * `stateFloats`: the kernel's other function-scope arrays. `decl` goes at module scope, `load`
 * into the entry point once d is known (uBase, bBase: the direction's offsets in U and bias).
 */
export function privateWeights(u: number, biasRows: number, stateFloats: number): { decl: string; load: string; read: WeightReaders; spill: number } {
  const uSize = 3 * u * u;
  const total = uSize + biasRows * 3 * u;
  const nP = Math.min(total, SPACE_FLOATS);
  const nF = Math.max(0, Math.min(total - nP, SPACE_FLOATS - stateFloats - 64));
  const at = (e: number): string => (e < nP ? `pW[${e}]` : e < nP + nF ? `fW[${e - nP}]` : e < uSize ? `U[uBase + ${e}u]` : `bias[bBase + ${e - uSize}u]`);
  // Copy loops over the pieces of [0, total) cut at the array and U/bias boundaries.
  const cuts = [...new Set([0, nP, nP + nF, uSize, total].filter((c) => c <= nP + nF))].sort((a, b) => a - b);
  const loads = cuts.slice(1).map((end, i) => {
    const start = cuts[i]!;
    const dst = start < nP ? `pW[i]` : `fW[i - ${nP}u]`;
    const src = start < uSize ? `U[uBase + i]` : `bias[bBase + i - ${uSize}u]`;
    return `for (var i = ${start}u; i < ${end}u; i++) { ${dst} = ${src}; }`;
  });
  return {
    decl: `var<private> pW: array<f32, ${nP}>;`,
    load: [nF > 0 ? `var fW: array<f32, ${nF}>;` : '', ...loads].filter(Boolean).join('\n  '),
    read: { u: at, bias: (c) => at(uSize + c) },
    spill: total - nP - nF,
  };
}

/** One forward step: reads h, xp; writes h, H and the saved gates. */
export function forwardStep(s: GruShape, w: WeightReaders): string {
  const u = s.units;
  const G3 = 3 * u;
  const h = (m: number) => `h${m}`;
  const out = range(u).map((m) => `let h${m} = h[${m}];`);
  if (s.resetAfter) {
    for (const k of range(u)) {
      out.push(
        `let z${k} = sigmoid(xp[xo + ${k}u] + ${w.bias(k)} + ${w.bias(G3 + k)} + ${dotColumn(u, h, k, w)});`,
        `let r${k} = sigmoid(xp[xo + ${u + k}u] + ${w.bias(u + k)} + ${w.bias(G3 + u + k)} + ${dotColumn(u, h, u + k, w)});`,
        `let q${k} = ${dotColumn(u, h, 2 * u + k, w)} + ${w.bias(G3 + 2 * u + k)};`,
        `let n${k} = tanhc(xp[xo + ${2 * u + k}u] + ${w.bias(2 * u + k)} + r${k} * q${k});`,
        `saveGate(go + ${k}u, z${k}); saveGate(go + ${u + k}u, r${k}); saveGate(go + ${2 * u + k}u, n${k}); saveGate(go + ${3 * u + k}u, q${k});`,
      );
    }
  } else {
    for (const k of range(u)) {
      out.push(
        `let z${k} = sigmoid(xp[xo + ${k}u] + ${w.bias(k)} + ${dotColumn(u, h, k, w)});`,
        `let r${k} = sigmoid(xp[xo + ${u + k}u] + ${w.bias(u + k)} + ${dotColumn(u, h, u + k, w)});`,
        `let rh${k} = r${k} * h${k};`,
        `saveGate(go + ${k}u, z${k}); saveGate(go + ${u + k}u, r${k});`,
      );
    }
    for (const k of range(u)) {
      out.push(
        `let n${k} = tanhc(xp[xo + ${2 * u + k}u] + ${w.bias(2 * u + k)} + ${dotColumn(u, (m) => `rh${m}`, 2 * u + k, w)});`,
        `saveGate(go + ${2 * u + k}u, n${k});`,
      );
    }
  }
  for (const k of range(u)) out.push(`let v${k} = z${k} * h${k} + (1.0 - z${k}) * n${k}; h[${k}] = v${k}; H[ho + ${k}u] = v${k};`);
  return out.join('\n    ');
}

/** BPTT's copy of the previous step's state (H row po) into hp, at constant indices. */
export function previousState(u: number): string {
  return range(u).map((k) => `hp[${k}] = H[po + ${k}u];`).join(' ');
}

/**
 * One BPTT step: from dhc (dL/dh carried from the later step), hp (h of the previous step) and the
 * saved gates, writes dXp (the input-side pre-activation gradients), GH (resetAfter: the
 * recurrent-side ĥ gradient, which the weight-gradient kernel needs) and the new dhc.
 */
export function backwardStep(s: GruShape, w: WeightReaders): string {
  const u = s.units;
  const out: string[] = [];
  for (const k of range(u)) {
    out.push(
      `let dh${k} = dhc[${k}] + readDH(ho + ${k}u);`,
      `let z${k} = G[go + ${k}u]; let r${k} = G[go + ${u + k}u]; let n${k} = G[go + ${2 * u + k}u];`,
      `let dn${k} = (dh${k} * (1.0 - z${k}) + readDG(go + ${2 * u + k}u)) * (1.0 - n${k} * n${k});`,
      `let dz${k} = dh${k} * (hp[${k}] - n${k}) + readDG(go + ${k}u);`,
      `dXp[xo + ${2 * u + k}u] = dn${k};`,
    );
    if (s.resetAfter) {
      out.push(
        `let gh${k} = dn${k} * r${k} + readDG(go + ${3 * u + k}u);`,
        `let gr${k} = (dn${k} * G[go + ${3 * u + k}u] + readDG(go + ${u + k}u)) * r${k} * (1.0 - r${k});`,
        `let gz${k} = dz${k} * z${k} * (1.0 - z${k});`,
        `dXp[xo + ${k}u] = gz${k}; dXp[xo + ${u + k}u] = gr${k}; GH[ho + ${k}u] = gh${k};`,
      );
    }
  }
  if (s.resetAfter) {
    const g = (j: number) => (j < u ? `gz${j}` : j < 2 * u ? `gr${j - u}` : `gh${j - 2 * u}`);
    for (const k of range(u)) out.push(`dhc[${k}] = dh${k} * z${k} + ${dotRow(u, k, 0, 3 * u, g, w)};`);
    return out.join('\n    ');
  }
  // reset before: d(r ⊙ h_prev)[k] = Σ_j U_h[k, j]·dĥ_pre[j] feeds the r gate and dh.
  for (const k of range(u)) {
    out.push(
      `let drh${k} = ${dotRow(u, k, 2 * u, u, (j) => `dn${j}`, w)};`,
      `let gr${k} = (drh${k} * hp[${k}] + readDG(go + ${u + k}u)) * r${k} * (1.0 - r${k});`,
      `let gz${k} = dz${k} * z${k} * (1.0 - z${k});`,
      `dXp[xo + ${k}u] = gz${k}; dXp[xo + ${u + k}u] = gr${k};`,
    );
  }
  const g = (j: number) => (j < u ? `gz${j}` : `gr${j - u}`);
  for (const k of range(u)) out.push(`dhc[${k}] = dh${k} * z${k} + drh${k} * r${k} + ${dotRow(u, k, 0, 2 * u, g, w)};`);
  return out.join('\n    ');
}

/** Column quads of a 3u-wide partial row: the weight-gradient kernel works on vec4s (padded). */
const quads = (u: number): number => Math.ceil((3 * u) / 4);

/**
 * Accumulator rows of one weight-gradient invocation: one array<vec4f, quads> per row (small
 * arrays run and compile faster on SwiftShader than one large one), `module` of them at module
 * scope and the rest in the function (each scope has its own 8 KiB limit; 64 floats kept spare).
 */
function accumulatorRows(u: number): { module: number; total: number } {
  const perScope = (floats: number) => Math.floor(floats / (4 * quads(u)));
  const module = perScope(SPACE_FLOATS);
  return { module, total: module + perScope(SPACE_FLOATS - 64) };
}

/**
 * The weight-gradient kernel's work split: the partial rows (u of dU, F of dW, NB of bias, each 3u
 * wide) cut into `slices` runs of at most `rows` rows; an invocation owns one (sequence, direction,
 * slice) and keeps its rows' sums over time in private accumulators. Fewer slices read each
 * step's gradients fewer times (on SwiftShader a storage read costs as much as dozens of FMAs).
 */
export function weightSplit(s: GruShape): { slices: number; rows: number } {
  const total = s.units + s.F + (s.resetAfter ? 2 : 1);
  const slices = Math.ceil(total / accumulatorRows(s.units).total);
  return { slices, rows: Math.ceil(total / slices) };
}

/**
 * The switch cases of the weight-gradient kernel, one per slice: Σ over time of
 *   dU row k:  h_prev[k] ⊗ [dz, dr, dĥ_rec] (reset before: the ĥ columns take (r ⊙ h_prev)[k] ⊗ dĥ)
 *   dW row f:  x[f] ⊗ dXp;   bias row 0: dXp;   bias row 1 (reset after): [dz, dr, dĥ_rec]
 * where dXp = [dz, dr, dĥ] (pre-activation) and dĥ_rec is GH, bound as S (reset before: S is G).
 * Rows are summed as vec4 column quads (fewer instructions to compile; SwiftShader runs vec4 math
 * as 4 SIMD operations either way); the sums are stored by a loop per row (unrolled stores are
 * branches per lane on SwiftShader, and slow to compile).
 */
export function weightSlices(s: GruShape): { decl: string; local: string; cases: string } {
  const u = s.units;
  const G3 = 3 * u;
  const C4 = quads(u);
  const { slices, rows } = weightSplit(s);
  const total = u + s.F + (s.resetAfter ? 2 : 1);
  const scopes = accumulatorRows(u);
  const declare = (r: number) => `var${r < scopes.module ? '<private>' : ''} acc${r}: array<vec4f, ${C4}>;`;
  const quad = (c: number, comp: (j: number) => string) => `vec4f(${[0, 1, 2, 3].map((i) => (4 * c + i < G3 ? comp(4 * c + i) : '0.0')).join(', ')})`;
  const cases: string[] = [];
  for (const i of range(slices)) {
    const mine = range(rows).map((r) => i * rows + r).filter((e) => e < total);
    const loads = range(C4).map((c) => `let g${c} = ${quad(c, (j) => `dXp[xo + ${j}u]`)};`);
    // The recurrent-side gradient [dz, dr, dĥ_rec] (reset after: dĥ_rec is GH).
    if (s.resetAfter && mine.some((e) => e < u || e === total - 1)) {
      loads.push(...range(C4).filter((c) => 4 * c + 3 >= 2 * u).map((c) => `let q${c} = ${quad(c, (j) => (j < 2 * u ? `g${c}[${j - 4 * c}]` : `S[ho + ${j - 2 * u}u]`))};`));
    }
    const rec = (c: number) => (s.resetAfter && 4 * c + 3 >= 2 * u ? `q${c}` : `g${c}`);
    const body: string[] = [];
    mine.forEach((e, r) => {
      const acc = (c: number, v: string) => `acc${r}[${c}] += ${v};`;
      if (e < u) {
        loads.push(`let a${e} = select(0.0, H[po + ${e}u], live);`);
        if (!s.resetAfter) loads.push(`let ra${e} = S[go + ${u + e}u] * a${e};`);
        for (const c of range(C4)) {
          // reset before: the ĥ columns take (r ⊙ h_prev)[k] instead of h_prev[k].
          const mix = s.resetAfter || 4 * c + 3 < 2 * u ? `a${e}` : 4 * c >= 2 * u ? `ra${e}` : quad(c, (j) => (j < 2 * u ? `a${e}` : `ra${e}`));
          body.push(acc(c, `${mix} * ${rec(c)}`));
        }
      } else if (e < u + s.F) {
        loads.push(`let x${e - u} = X[xi + ${e - u}u];`);
        for (const c of range(C4)) body.push(acc(c, `x${e - u} * g${c}`));
      } else {
        const recurrent = e === u + s.F + 1;
        for (const c of range(C4)) body.push(acc(c, recurrent ? rec(c) : `g${c}`));
      }
    });
    const writes = mine.map((e, r) => `for (var j = 0u; j < G3; j++) { P[(${e * G3}u + j) * pN + pIdx] = acc${r}[j / 4u][j % 4u]; }`);
    cases.push(`case ${i}u: {
    for (var t = 0u; t < p.T; t++) {
      let row = (b * p.T + t) * p.D + d;
      let xo = row * G3;
      let ho = row * NU;
      let go = row * GW;
      let xi = (b * p.T + t) * NF;
      // h_prev: the state before step t in this direction's order (zero before its first step).
      let live = select(t > 0u, t + 1u < p.T, back);
      let po = ((b * p.T + select(max(t, 1u) - 1u, min(t + 1u, p.T - 1u), back)) * p.D + d) * NU;
      ${loads.join('\n      ')}
      ${body.join('\n      ')}
    }
    ${writes.join('\n    ')}
  }`);
  }
  return {
    decl: range(Math.min(rows, scopes.module)).map(declare).join('\n'),
    local: range(rows).slice(scopes.module).map(declare).join('\n  '),
    cases: cases.join('\n  '),
  };
}
