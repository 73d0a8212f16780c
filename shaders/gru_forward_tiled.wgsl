// GRU forward over a whole sequence for GPUs: a workgroup owns one direction (workgroup_id.y) and
// a tile of S sequences (workgroup_id.x); thread (s, kk) computes units kk, kk+TPS, … of sequence s.
// The state lives in workgroup memory, double-buffered, so a step needs one barrier (two without
// resetAfter, where ĥ needs the whole r ⊙ h first). U sits in workgroup memory when it fits.
// Keras TF2 math, gates [z | r | h]. Layouts: see src/kernels/gru.ts.
@group(0) @binding(0) var<storage, read> xp: array<f32>;
@group(0) @binding(1) var<storage, read> U: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> H: array<f32>;
@group(0) @binding(4) var<storage, read_write> HL: array<f32>;
{{G_DECL}}
struct Params { B: u32, T: u32, D: u32, backMask: u32 };
@group(0) @binding({{B_UNIFORM}}) var<uniform> p: Params;

const NU: u32 = {{UNITS}}u;
const G3: u32 = 3u * NU;
const GW: u32 = {{GW}}u;
const NB: u32 = {{NB}}u;
const RESET_AFTER: bool = {{RESET_AFTER}};
const S: u32 = {{S}}u;
const TPS: u32 = {{TPS}}u;
const KPT: u32 = {{KPT}}u;
const WGS: u32 = {{WGS}}u;
const SU: u32 = S * NU;
const SHARED_U: bool = {{SHARED_U}};

var<workgroup> hs: array<f32, 2u * SU>;
var<workgroup> rhs: array<f32, {{RHS_SIZE}}>;
var<workgroup> Us: array<f32, {{US_SIZE}}>;

// Saved activations for BPTT (a no-op in inference).
{{SAVE_FN}}

fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
fn tanhc(x: f32) -> f32 { return tanh(clamp(x, -10.0, 10.0)); }
// U[d] element i (= row·3u + column).
fn uget(uBase: u32, i: u32) -> f32 {
  if (SHARED_U) { return Us[i]; }
  return U[uBase + i];
}

@compute @workgroup_size({{WGS}})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let d = wid.y;
  let s = lid / TPS;
  let kk = lid % TPS;
  let b = wid.x * S + s;
  let valid = b < p.B;
  let back = ((p.backMask >> d) & 1u) == 1u;
  let uBase = d * NU * G3;
  let bBase = d * NB * G3;
  if (SHARED_U) {
    for (var e = lid; e < NU * G3; e += WGS) { Us[e] = U[uBase + e]; }
  }
  for (var e = lid; e < 2u * SU; e += WGS) { hs[e] = 0.0; }
  workgroupBarrier();
  let so = s * NU;
  var zs: array<f32, KPT>;
  for (var st = 0u; st < p.T; st++) {
    let cur = (st & 1u) * SU + so;
    let nxt = SU - (st & 1u) * SU + so;
    let t = select(st, p.T - 1u - st, back);
    let row = (b * p.T + t) * p.D + d;
    let xo = row * G3;
    let go = row * GW;
    let ho = row * NU;
    if (RESET_AFTER) {
      if (valid) {
        for (var i = 0u; i < KPT; i++) {
          let k = kk + i * TPS;
          if (k < NU) {
            var az = 0.0;
            var ar = 0.0;
            var an = 0.0;
            for (var m = 0u; m < NU; m++) {
              let hm = hs[cur + m];
              let uo = m * G3 + k;
              az += hm * uget(uBase, uo);
              ar += hm * uget(uBase, uo + NU);
              an += hm * uget(uBase, uo + 2u * NU);
            }
            let z = sigmoid(xp[xo + k] + bias[bBase + k] + az + bias[bBase + G3 + k]);
            let r = sigmoid(xp[xo + NU + k] + bias[bBase + NU + k] + ar + bias[bBase + G3 + NU + k]);
            let hr = an + bias[bBase + G3 + 2u * NU + k];
            let n = tanhc(xp[xo + 2u * NU + k] + bias[bBase + 2u * NU + k] + r * hr);
            let hv = z * hs[cur + k] + (1.0 - z) * n;
            hs[nxt + k] = hv;
            H[ho + k] = hv;
            saveGate(go + k, z);
            saveGate(go + NU + k, r);
            saveGate(go + 2u * NU + k, n);
            saveGate(go + 3u * NU + k, hr);
          }
        }
      }
      workgroupBarrier();
    } else {
      if (valid) {
        for (var i = 0u; i < KPT; i++) {
          let k = kk + i * TPS;
          if (k < NU) {
            var az = 0.0;
            var ar = 0.0;
            for (var m = 0u; m < NU; m++) {
              let hm = hs[cur + m];
              let uo = m * G3 + k;
              az += hm * uget(uBase, uo);
              ar += hm * uget(uBase, uo + NU);
            }
            let z = sigmoid(xp[xo + k] + bias[bBase + k] + az);
            let r = sigmoid(xp[xo + NU + k] + bias[bBase + NU + k] + ar);
            zs[i] = z;
            rhs[so + k] = r * hs[cur + k];
            saveGate(go + k, z);
            saveGate(go + NU + k, r);
          }
        }
      }
      workgroupBarrier();
      if (valid) {
        for (var i = 0u; i < KPT; i++) {
          let k = kk + i * TPS;
          if (k < NU) {
            var an = 0.0;
            for (var m = 0u; m < NU; m++) { an += rhs[so + m] * uget(uBase, m * G3 + 2u * NU + k); }
            let n = tanhc(xp[xo + 2u * NU + k] + bias[bBase + 2u * NU + k] + an);
            let z = zs[i];
            let hv = z * hs[cur + k] + (1.0 - z) * n;
            hs[nxt + k] = hv;
            H[ho + k] = hv;
            saveGate(go + 2u * NU + k, n);
          }
        }
      }
      workgroupBarrier();
    }
  }
  if (valid) {
    let fin = (p.T & 1u) * SU + so;
    for (var i = 0u; i < KPT; i++) {
      let k = kk + i * TPS;
      if (k < NU) { HL[(b * p.D + d) * NU + k] = hs[fin + k]; }
    }
  }
}
