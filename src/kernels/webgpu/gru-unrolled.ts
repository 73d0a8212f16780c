/**
 * WGSL bodies of the barrier-free GRU kernels (the 'fallback' family, chosen on SwiftShader), with
 * every loop over units spelled out so that each private-array index is a constant. SwiftShader
 * (4 invocations per SIMD group) turns a dynamically indexed private array into per-lane scalar
 * loads and stores with a branch each, while a constant index is one vector access. The code
 * grows as units², so the family is capped (fallbackFits in ../gru.ts).
 *
 * Names in the generated code: h/hp/dhc are the per-invocation state arrays of the shaders;
 * xo, go, ho, po are the row offsets of xp/dXp, G, H (and GH) and the previous step's H row (in
 * the weight-gradient kernel, suffixed with the step j of the two it sums at a time).
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

/**
 * Time steps the weight-gradient kernel sums before it updates an accumulator: on SwiftShader an
 * update of a private array (load, add, masked store) costs more than the multiply-adds it
 * carries, while a longer unrolled loop body stops fitting the instruction cache.
 */
const STEPS = 2;

/** Floats of the weight-gradient kernel's per-step copies of its rows' inputs (h_prev, r ⊙ h_prev, x). */
const inputFloats = (rows: number): number => STEPS * 2 * rows;

/**
 * Accumulator rows (3u floats each) that one weight-gradient invocation holds beside its input
 * copies: `module` of them at module scope and the rest in the function (each scope has its own
 * 8 KiB limit; 64 floats kept spare).
 */
function accumulatorRows(u: number, rows: number): { module: number; total: number } {
  const perScope = (floats: number) => Math.max(0, Math.floor(floats / (3 * u)));
  const module = perScope(SPACE_FLOATS);
  return { module, total: module + perScope(SPACE_FLOATS - 64 - inputFloats(rows)) };
}

/**
 * The weight-gradient kernel's work split: the partial rows (u of dU, F of dW, NB of bias, each 3u
 * wide) cut into `slices` runs of at most `rows` rows; an invocation owns one (sequence, direction,
 * slice) and keeps its rows' sums over time in private accumulators. Fewer slices read each
 * step's gradients fewer times (on SwiftShader a storage read costs as much as dozens of FMAs).
 */
export function weightSplit(s: GruShape): { slices: number; rows: number } {
  const total = s.units + s.F + (s.resetAfter ? 2 : 1);
  let slices = 1;
  while (Math.ceil(total / slices) > accumulatorRows(s.units, Math.ceil(total / slices)).total) slices++;
  return { slices, rows: Math.ceil(total / slices) };
}

/**
 * The switch cases of the weight-gradient kernel, one per slice: Σ over time of
 *   dU row k:  h_prev[k] ⊗ [dz, dr, dĥ_rec] (reset before: the ĥ columns take (r ⊙ h_prev)[k] ⊗ dĥ)
 *   dW row f:  x[f] ⊗ dXp;   bias row 0: dXp;   bias row 1 (reset after): [dz, dr, dĥ_rec]
 * where dXp = [dz, dr, dĥ] (pre-activation) and dĥ_rec is GH, bound as S (reset before: S is G).
 * STEPS steps at a time (a step past T reads step T − 1 with its gradients zeroed): the rows'
 * inputs are copied into the private array A, then column by column the steps' gradients are read
 * and each row's sum over the steps is added to its accumulator, in scalars (A at constant indices
 * is a plain vector load on SwiftShader; few values stay live, so little is spilled). The sums
 * are stored by a loop per row (unrolled stores are branches per lane on SwiftShader, and slow to
 * compile).
 */
export function weightSlices(s: GruShape): { decl: string; local: string; cases: string } {
  const u = s.units;
  const G3 = 3 * u;
  const { slices, rows } = weightSplit(s);
  const total = u + s.F + (s.resetAfter ? 2 : 1);
  const scopes = accumulatorRows(u, rows);
  const declare = (r: number) => `var${r < scopes.module ? '<private>' : ''} acc${r}: array<f32, ${G3}>;`;
  const steps = range(STEPS);
  const cases: string[] = [];
  for (const i of range(slices)) {
    const mine = range(rows).map((r) => i * rows + r).filter((e) => e < total);
    // The slice's inputs per step, at A[j·nA + slot]: h_prev[k] (and r ⊙ h_prev[k]) of dU rows,
    // x[f] of dW rows.
    const slot = new Map<string, number>();
    for (const e of mine) {
      if (e < u) {
        slot.set(`h${e}`, slot.size);
        if (!s.resetAfter) slot.set(`rh${e}`, slot.size);
      } else if (e < u + s.F) slot.set(`x${e - u}`, slot.size);
    }
    const nA = slot.size;
    const a = (key: string, j: number) => `A[${j * nA + slot.get(key)!}]`;
    const head: string[] = [];
    for (const j of steps) {
      // Step t + j, clamped to T − 1; v${j} zeroes the gradients of a step past T.
      head.push(
        `let t${j} = min(t + ${j}u, p.T - 1u);`,
        `let row${j} = (b * p.T + t${j}) * p.D + d;`,
        `let xo${j} = row${j} * G3; let ho${j} = row${j} * NU; let go${j} = row${j} * GW; let xi${j} = (b * p.T + t${j}) * NF;`,
        // h_prev: the state before the step in this direction's order (zero before its first step).
        `let live${j} = select(t${j} > 0u, t${j} + 1u < p.T, back);`,
        `let po${j} = ((b * p.T + select(max(t${j}, 1u) - 1u, min(t${j} + 1u, p.T - 1u), back)) * p.D + d) * NU;`,
      );
      if (j > 0) head.push(`let v${j} = select(0.0, 1.0, t + ${j}u < p.T);`);
      for (const e of mine) {
        if (e < u) {
          head.push(`${a(`h${e}`, j)} = select(0.0, H[po${j} + ${e}u], live${j});`);
          if (!s.resetAfter) head.push(`${a(`rh${e}`, j)} = S[go${j} + ${u + e}u] * ${a(`h${e}`, j)};`);
        } else if (e < u + s.F) head.push(`${a(`x${e - u}`, j)} = X[xi${j} + ${e - u}u];`);
      }
    }
    const usesX = mine.some((e) => e >= u && e < u + s.F + 1);
    const usesRec = mine.some((e) => e < u || e === u + s.F + 1);
    const valid = (j: number, v: string) => (j > 0 ? `v${j} * ${v}` : v);
    const body: string[] = [];
    for (const n of range(G3)) {
      const col: string[] = [];
      // gX: dXp; gR: the recurrent-side gradient (reset after: GH in the ĥ columns).
      const recOwn = s.resetAfter && n >= 2 * u;
      if (usesX || (usesRec && !recOwn)) col.push(...steps.map((j) => `let gX${j} = ${valid(j, `dXp[xo${j} + ${n}u]`)};`));
      if (usesRec && recOwn) col.push(...steps.map((j) => `let gR${j} = ${valid(j, `S[ho${j} + ${n - 2 * u}u]`)};`));
      const gR = recOwn ? 'gR' : 'gX';
      mine.forEach((e, r) => {
        let terms: string[];
        if (e < u) {
          // reset before: the ĥ columns take (r ⊙ h_prev)[k] instead of h_prev[k].
          const key = !s.resetAfter && n >= 2 * u ? `rh${e}` : `h${e}`;
          terms = steps.map((j) => `${gR}${j} * ${a(key, j)}`);
        } else if (e < u + s.F) terms = steps.map((j) => `gX${j} * ${a(`x${e - u}`, j)}`);
        else terms = steps.map((j) => `${e === u + s.F + 1 ? gR : 'gX'}${j}`);
        col.push(`acc${r}[${n}] += ${terms.join(' + ')};`);
      });
      body.push(`{ ${col.join(' ')} }`);
    }
    const writes = mine.map((e, r) => `for (var j = 0u; j < G3; j++) { P[(${e * G3}u + j) * pN + pIdx] = acc${r}[j]; }`);
    cases.push(`case ${i}u: {
    for (var t = 0u; t < p.T; t += ${STEPS}u) {
      ${head.join('\n      ')}
      ${body.join('\n      ')}
    }
    ${writes.join('\n    ')}
  }`);
  }
  return {
    decl: range(Math.min(rows, scopes.module)).map(declare).join('\n'),
    local: [...range(rows).slice(scopes.module).map(declare), `var A: array<f32, ${inputFloats(rows)}>;`].join('\n  '),
    cases: cases.join('\n  '),
  };
}
