// GRU backward through time for GPUs: a workgroup owns one direction (workgroup_id.y) and a tile of
// S sequences (workgroup_id.x), walks the steps in reverse and, per step:
//   1. thread (s, kk) turns dL/dh of its units into gate gradients (dXp) and shares them;
//   2. after one barrier (two without resetAfter): dh_prev = dh·z + U·g for its units, and the
//      workgroup adds Σ_s h_prev ⊗ g, Σ_s x ⊗ dXp (dW) and the bias sums into its own slice of
//      the partials, each element owned by one thread (no atomics); gru_reduce.wgsl sums the tiles.
// Shared arrays are double-buffered by step parity so no barrier is needed at the end of a step.
// Layouts: see src/kernels/gru.ts. Partials: [nTiles, D, u + F + NB, 3u].
@group(0) @binding(0) var<storage, read> U: array<f32>;
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(2) var<storage, read> H: array<f32>;
@group(0) @binding(3) var<storage, read> X: array<f32>;
{{OPTIONAL_DECLS}}
@group(0) @binding({{B_DXP}}) var<storage, read_write> dXp: array<f32>;
@group(0) @binding({{B_PART}}) var<storage, read_write> P: array<f32>;
struct Params { B: u32, T: u32, D: u32, backMask: u32 };
@group(0) @binding({{B_UNIFORM}}) var<uniform> p: Params;

const NU: u32 = {{UNITS}}u;
const NF: u32 = {{F}}u;
const G3: u32 = 3u * NU;
const GW: u32 = {{GW}}u;
const NB: u32 = {{NB}}u;
const RESET_AFTER: bool = {{RESET_AFTER}};
const PER: u32 = (NU + NF + NB) * G3;
const S: u32 = {{S}}u;
const TPS: u32 = {{TPS}}u;
const KPT: u32 = {{KPT}}u;
const WGS: u32 = {{WGS}}u;
const SU: u32 = S * NU;
const SG: u32 = S * G3;
const SHARED_U: bool = {{SHARED_U}};

var<workgroup> hs: array<f32, 2u * SU>;    // h_prev
var<workgroup> ns: array<f32, 2u * SU>;    // input-side ĥ pre-activation gradient
var<workgroup> gs: array<f32, 2u * SG>;    // recurrent-side pre-activation gradients
var<workgroup> rhs: array<f32, {{RHS_SIZE}}>; // r ⊙ h_prev (without resetAfter)
var<workgroup> xs: array<f32, 2u * S * NF>;   // inputs
var<workgroup> Us: array<f32, {{US_SIZE}}>;

{{OPTIONAL_READERS}}

fn uget(uBase: u32, i: u32) -> f32 {
  if (SHARED_U) { return Us[i]; }
  return U[uBase + i];
}

fn timeOf(s: u32, back: bool) -> u32 { return select(s, p.T - 1u - s, back); }

@compute @workgroup_size({{WGS}})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let d = wid.y;
  let s = lid / TPS;
  let kk = lid % TPS;
  let b = wid.x * S + s;
  let valid = b < p.B;
  let back = ((p.backMask >> d) & 1u) == 1u;
  let uBase = d * NU * G3;
  let pBase = (wid.x * p.D + d) * PER;
  if (SHARED_U) {
    for (var e = lid; e < NU * G3; e += WGS) { Us[e] = U[uBase + e]; }
    workgroupBarrier();
  }
  var dhc: array<f32, KPT>;
  var dzA: array<f32, KPT>;
  var dhA: array<f32, KPT>;
  for (var i = 0u; i < p.T; i++) {
    let st = p.T - 1u - i;
    let first = i == 0u;
    let c = i & 1u;
    let cs = c * S;          // first sequence slot of this step's buffers
    let ho_s = (cs + s) * NU;
    let go_s = (cs + s) * G3;
    let t = timeOf(st, back);
    let row = (b * p.T + t) * p.D + d;
    let xo = row * G3;
    let go = row * GW;
    let ho = row * NU;
    let po = ((b * p.T + timeOf(max(st, 1u) - 1u, back)) * p.D + d) * NU;
    // ---- phase 1: own units' gate gradients (and this step's inputs, for dW)
    for (var f = kk; f < NF; f += TPS) {
      var xv = 0.0;
      if (valid) { xv = X[(b * p.T + t) * NF + f]; }
      xs[(cs + s) * NF + f] = xv;
    }
    for (var q = 0u; q < KPT; q++) {
      let k = kk + q * TPS;
      if (k < NU) {
        if (valid) {
          let hpk = select(0.0, H[po + k], st > 0u);
          var dh = dhc[q] + readDH(ho + k);
          if (first) { dh += readDHL((b * p.D + d) * NU + k); }
          let z = G[go + k];
          let r = G[go + NU + k];
          let n = G[go + 2u * NU + k];
          let dz = dh * (hpk - n) + readDG(go + k);
          let dnn = dh * (1.0 - z) + readDG(go + 2u * NU + k);
          let dnp = dnn * (1.0 - n * n);
          hs[ho_s + k] = hpk;
          ns[ho_s + k] = dnp;
          dXp[xo + 2u * NU + k] = dnp;
          if (RESET_AFTER) {
            let hr = G[go + 3u * NU + k];
            let dhr = dnp * r + readDG(go + 3u * NU + k);
            let dr = dnp * hr + readDG(go + NU + k);
            let drp = dr * r * (1.0 - r);
            let dzp = dz * z * (1.0 - z);
            gs[go_s + k] = dzp;
            gs[go_s + NU + k] = drp;
            gs[go_s + 2u * NU + k] = dhr;
            dXp[xo + k] = dzp;
            dXp[xo + NU + k] = drp;
            dhc[q] = dh * z;
          } else {
            dzA[q] = dz;
            dhA[q] = dh;
          }
        } else {
          hs[ho_s + k] = 0.0;
          ns[ho_s + k] = 0.0;
          gs[go_s + k] = 0.0;
          gs[go_s + NU + k] = 0.0;
          gs[go_s + 2u * NU + k] = 0.0;
        }
      }
    }
    workgroupBarrier();
    if (!RESET_AFTER) {
      // ---- phase 2 (reset before): d(r ⊙ h_prev) needs every unit's dĥ.
      for (var q = 0u; q < KPT; q++) {
        let k = kk + q * TPS;
        if (k < NU) {
          if (valid) {
            var drh = 0.0;
            for (var j = 0u; j < NU; j++) { drh += uget(uBase, k * G3 + 2u * NU + j) * ns[ho_s + j]; }
            let z = G[go + k];
            let r = G[go + NU + k];
            let hpk = hs[ho_s + k];
            let dr = drh * hpk + readDG(go + NU + k);
            let drp = dr * r * (1.0 - r);
            let dzp = dzA[q] * z * (1.0 - z);
            gs[go_s + k] = dzp;
            gs[go_s + NU + k] = drp;
            rhs[ho_s + k] = r * hpk;
            dXp[xo + k] = dzp;
            dXp[xo + NU + k] = drp;
            dhc[q] = dhA[q] * z + drh * r;
          } else {
            rhs[ho_s + k] = 0.0;
          }
        }
      }
      workgroupBarrier();
    }
    // ---- dh for the previous step: + U·g over the recurrent gate columns
    let nRec = select(2u * NU, G3, RESET_AFTER);
    if (valid) {
      for (var q = 0u; q < KPT; q++) {
        let k = kk + q * TPS;
        if (k < NU) {
          var a = 0.0;
          for (var j = 0u; j < nRec; j++) { a += uget(uBase, k * G3 + j) * gs[go_s + j]; }
          dhc[q] += a;
        }
      }
    }
    // ---- weight-gradient partials of this tile, element-owned
    for (var e = lid; e < PER; e += WGS) {
      let rr = e / G3;
      let j = e % G3;
      var a = 0.0;
      if (rr < NU) {
        if (RESET_AFTER || j < 2u * NU) {
          for (var s2 = 0u; s2 < S; s2++) { a += hs[(cs + s2) * NU + rr] * gs[(cs + s2) * G3 + j]; }
        } else {
          for (var s2 = 0u; s2 < S; s2++) { a += rhs[(cs + s2) * NU + rr] * ns[(cs + s2) * NU + j - 2u * NU]; }
        }
      } else if (rr < NU + NF) {
        // dW rows: inputs ⊗ input-side gradients [dz, dr, dĥ]
        let f = rr - NU;
        if (j < 2u * NU) {
          for (var s2 = 0u; s2 < S; s2++) { a += xs[(cs + s2) * NF + f] * gs[(cs + s2) * G3 + j]; }
        } else {
          for (var s2 = 0u; s2 < S; s2++) { a += xs[(cs + s2) * NF + f] * ns[(cs + s2) * NU + j - 2u * NU]; }
        }
      } else if (rr == NU + NF && j >= 2u * NU) {
        // input bias, ĥ columns: the input-side gradient
        for (var s2 = 0u; s2 < S; s2++) { a += ns[(cs + s2) * NU + j - 2u * NU]; }
      } else {
        for (var s2 = 0u; s2 < S; s2++) { a += gs[(cs + s2) * G3 + j]; }
      }
      if (first) { P[pBase + e] = a; } else { P[pBase + e] = P[pBase + e] + a; }
    }
  }
}
