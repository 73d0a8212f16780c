// GRU backward through time, barrier-free: one invocation owns one (sequence, direction), walks
// the steps in reverse with dh carried in private memory, writes the pre-activation gradients dXp
// and accumulates its own partial of dU, dW = Σ x ⊗ dXp and dBias, which gru_reduce.wgsl sums.
// Partials are laid out element-major, [u + F + NB, 3u, B·D], so that neighbouring invocations
// (SIMD lanes) touch neighbouring words.
// The partials are updated once per BLK steps (BLK outer products per read-modify-write).
// Layouts: see src/kernels/gru.ts. Partial rows: u of dU, F of dW, then the bias rows.
@group(0) @binding(0) var<storage, read> U: array<f32>;
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(2) var<storage, read> H: array<f32>;
@group(0) @binding(3) var<storage, read> X: array<f32>;
{{OPTIONAL_DECLS}}
@group(0) @binding({{B_DXP}}) var<storage, read_write> dXp: array<f32>;
@group(0) @binding({{B_PART}}) var<storage, read_write> P: array<f32>;
struct Params { B: u32, T: u32, D: u32, backMask: u32, nx: u32 };
@group(0) @binding({{B_UNIFORM}}) var<uniform> p: Params;

const NU: u32 = {{UNITS}}u;
const NF: u32 = {{F}}u;
const G3: u32 = 3u * NU;
const GW: u32 = {{GW}}u;
const NB: u32 = {{NB}}u;
const RESET_AFTER: bool = {{RESET_AFTER}};
const PER: u32 = (NU + NF + NB) * G3;
const BLK: u32 = 4u;

{{OPTIONAL_READERS}}

fn timeOf(s: u32, back: bool) -> u32 { return select(s, p.T - 1u - s, back); }

// Steps buffered for the next flush: h_prev, r ⊙ h_prev (reset before), the recurrent-side
// pre-activation gradients [dz, dr, dĥ_rec], the input-side ĥ gradient and the inputs.
var<private> hpB: array<f32, BLK * NU>;
var<private> rhB: array<f32, BLK * NU>;
var<private> grB: array<f32, BLK * G3>;
var<private> dnB: array<f32, BLK * NU>;
var<private> xB: array<f32, BLK * NF>;

// The first flush stores; later ones add (the partials buffer is not zeroed).
var<private> pIdx: u32;  // this invocation's column of the partials
var<private> pN: u32;    // B·D columns

fn acc(e: u32, v: f32, first: bool) {
  let i = e * pN + pIdx;
  if (first) { P[i] = v; } else { P[i] = P[i] + v; }
}

// Σ over the buffered steps of h_prev ⊗ g (and the bias sums) into this invocation's partial.
fn flush(first: bool) {
  for (var k = 0u; k < NU; k++) {
    let h0 = hpB[k];
    let h1 = hpB[NU + k];
    let h2 = hpB[2u * NU + k];
    let h3 = hpB[3u * NU + k];
    let po = k * G3;
    let nzr = select(2u * NU, G3, RESET_AFTER);
    for (var j = 0u; j < nzr; j++) {
      acc(po + j, h0 * grB[j] + h1 * grB[G3 + j] + h2 * grB[2u * G3 + j] + h3 * grB[3u * G3 + j], first);
    }
    if (!RESET_AFTER) {
      let r0 = rhB[k];
      let r1 = rhB[NU + k];
      let r2 = rhB[2u * NU + k];
      let r3 = rhB[3u * NU + k];
      for (var j = 0u; j < NU; j++) {
        acc(po + 2u * NU + j, r0 * dnB[j] + r1 * dnB[NU + j] + r2 * dnB[2u * NU + j] + r3 * dnB[3u * NU + j], first);
      }
    }
  }
  // dW rows: inputs ⊗ input-side gradients [dz, dr, dĥ].
  for (var f = 0u; f < NF; f++) {
    let x0 = xB[f];
    let x1 = xB[NF + f];
    let x2 = xB[2u * NF + f];
    let x3 = xB[3u * NF + f];
    let wo = (NU + f) * G3;
    for (var j = 0u; j < 2u * NU; j++) {
      acc(wo + j, x0 * grB[j] + x1 * grB[G3 + j] + x2 * grB[2u * G3 + j] + x3 * grB[3u * G3 + j], first);
    }
    for (var j = 0u; j < NU; j++) {
      acc(wo + 2u * NU + j, x0 * dnB[j] + x1 * dnB[NU + j] + x2 * dnB[2u * NU + j] + x3 * dnB[3u * NU + j], first);
    }
  }
  let bo = (NU + NF) * G3;
  for (var j = 0u; j < 2u * NU; j++) {
    let g = grB[j] + grB[G3 + j] + grB[2u * G3 + j] + grB[3u * G3 + j];
    acc(bo + j, g, first);
    if (RESET_AFTER) { acc(bo + G3 + j, g, first); }
  }
  for (var k = 0u; k < NU; k++) {
    acc(bo + 2u * NU + k, dnB[k] + dnB[NU + k] + dnB[2u * NU + k] + dnB[3u * NU + k], first);
    if (RESET_AFTER) {
      let c = 2u * NU + k;
      acc(bo + G3 + c, grB[c] + grB[G3 + c] + grB[2u * G3 + c] + grB[3u * G3 + c], first);
    }
  }
}

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let idx = (wid.y * p.nx + wid.x) * {{WG}}u + lid;
  if (idx >= p.B * p.D) { return; }
  let d = idx % p.D;
  let b = idx / p.D;
  let back = ((p.backMask >> d) & 1u) == 1u;
  let uBase = d * NU * G3;
  pIdx = idx;
  pN = p.B * p.D;
  var dhc: array<f32, NU>;   // dL/dh carried to the previous step
  var hp: array<f32, NU>;    // h of the previous step
  var dzA: array<f32, NU>;
  var dhA: array<f32, NU>;
  for (var i = 0u; i < p.T; i++) {
    let s = p.T - 1u - i;
    let first = i == 0u;
    let q = i % BLK;
    let qn = q * NU;
    let qg = q * G3;
    let t = timeOf(s, back);
    let row = (b * p.T + t) * p.D + d;
    let xo = row * G3;
    let go = row * GW;
    let ho = row * NU;
    let xo_in = (b * p.T + t) * NF;
    for (var f = 0u; f < NF; f++) { xB[q * NF + f] = X[xo_in + f]; }
    if (s > 0u) {
      let po = ((b * p.T + timeOf(s - 1u, back)) * p.D + d) * NU;
      for (var k = 0u; k < NU; k++) { hp[k] = H[po + k]; }
    } else {
      for (var k = 0u; k < NU; k++) { hp[k] = 0.0; }
    }
    for (var k = 0u; k < NU; k++) {
      var dh = dhc[k] + readDH(ho + k);
      if (first) { dh += readDHL(idx * NU + k); }
      let z = G[go + k];
      let r = G[go + NU + k];
      let n = G[go + 2u * NU + k];
      let dz = dh * (hp[k] - n) + readDG(go + k);
      let dnn = dh * (1.0 - z) + readDG(go + 2u * NU + k);
      let dnp = dnn * (1.0 - n * n);
      dnB[qn + k] = dnp;
      hpB[qn + k] = hp[k];
      dXp[xo + 2u * NU + k] = dnp;
      if (RESET_AFTER) {
        let hr = G[go + 3u * NU + k];
        let dhr = dnp * r + readDG(go + 3u * NU + k);
        let dr = dnp * hr + readDG(go + NU + k);
        let drp = dr * r * (1.0 - r);
        let dzp = dz * z * (1.0 - z);
        grB[qg + k] = dzp;
        grB[qg + NU + k] = drp;
        grB[qg + 2u * NU + k] = dhr;
        dXp[xo + k] = dzp;
        dXp[xo + NU + k] = drp;
        dhc[k] = dh * z;
      } else {
        dzA[k] = dz;
        dhA[k] = dh;
      }
    }
    if (!RESET_AFTER) {
      for (var k = 0u; k < NU; k++) {
        // d(r ⊙ h_prev)[k] = Σ_j U_h[k, j] · dĥ_pre[j]
        let uo = uBase + k * G3 + 2u * NU;
        var drh = 0.0;
        for (var j = 0u; j < NU; j++) { drh += U[uo + j] * dnB[qn + j]; }
        let z = G[go + k];
        let r = G[go + NU + k];
        let dr = drh * hp[k] + readDG(go + NU + k);
        let drp = dr * r * (1.0 - r);
        let dzp = dzA[k] * z * (1.0 - z);
        grB[qg + k] = dzp;
        grB[qg + NU + k] = drp;
        dXp[xo + k] = dzp;
        dXp[xo + NU + k] = drp;
        rhB[qn + k] = r * hp[k];
        dhc[k] = dhA[k] * z + drh * r;
      }
    }
    // dh for the previous step: + U·g over the recurrent gate columns
    let nRec = select(2u * NU, G3, RESET_AFTER);
    for (var k = 0u; k < NU; k++) {
      let uo = uBase + k * G3;
      var a = 0.0;
      for (var j = 0u; j < nRec; j++) { a += U[uo + j] * grB[qg + j]; }
      dhc[k] += a;
    }
    if (q == BLK - 1u || i == p.T - 1u) {
      // A last, partial block: its empty slots contribute nothing.
      for (var e = q + 1u; e < BLK; e++) {
        for (var k = 0u; k < NU; k++) { hpB[e * NU + k] = 0.0; rhB[e * NU + k] = 0.0; dnB[e * NU + k] = 0.0; }
        for (var j = 0u; j < G3; j++) { grB[e * G3 + j] = 0.0; }
        for (var f = 0u; f < NF; f++) { xB[e * NF + f] = 0.0; }
      }
      flush(i < BLK);
    }
  }
}
