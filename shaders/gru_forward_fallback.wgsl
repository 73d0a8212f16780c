// GRU forward over a whole sequence, barrier-free: one invocation owns one (sequence, direction)
// and loops over time with its state in private memory. The variant for software adapters
// (SwiftShader), where workgroupBarrier() is very slow. Keras TF2 math, gates [z | r | h].
// Layouts: see src/kernels/gru.ts.
@group(0) @binding(0) var<storage, read> xp: array<f32>;
@group(0) @binding(1) var<storage, read> U: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> H: array<f32>;
@group(0) @binding(4) var<storage, read_write> HL: array<f32>;
{{G_DECL}}
struct Params { B: u32, T: u32, D: u32, backMask: u32, nx: u32 };
@group(0) @binding({{B_UNIFORM}}) var<uniform> p: Params;

const NU: u32 = {{UNITS}}u;
const G3: u32 = 3u * NU;
const GW: u32 = {{GW}}u;
const NB: u32 = {{NB}}u;
const RESET_AFTER: bool = {{RESET_AFTER}};

// Saved activations for BPTT (a no-op in inference).
{{SAVE_FN}}

fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
// Some WGSL implementations compute tanh through exp and return NaN for large |x|.
fn tanhc(x: f32) -> f32 { return tanh(clamp(x, -10.0, 10.0)); }

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let idx = (wid.y * p.nx + wid.x) * {{WG}}u + lid;
  if (idx >= p.B * p.D) { return; }
  let d = idx % p.D;
  let b = idx / p.D;
  let back = ((p.backMask >> d) & 1u) == 1u;
  let uBase = d * NU * G3;
  let bBase = d * NB * G3;
  var h: array<f32, NU>;
  var hn: array<f32, NU>;
  var rh: array<f32, NU>;
  for (var s = 0u; s < p.T; s++) {
    let t = select(s, p.T - 1u - s, back);
    let row = (b * p.T + t) * p.D + d;
    let xo = row * G3;
    let go = row * GW;
    let ho = row * NU;
    if (RESET_AFTER) {
      for (var k = 0u; k < NU; k++) {
        var az = 0.0;
        var ar = 0.0;
        var an = 0.0;
        for (var m = 0u; m < NU; m++) {
          let hm = h[m];
          let uo = uBase + m * G3 + k;
          az += hm * U[uo];
          ar += hm * U[uo + NU];
          an += hm * U[uo + 2u * NU];
        }
        let z = sigmoid(xp[xo + k] + bias[bBase + k] + az + bias[bBase + G3 + k]);
        let r = sigmoid(xp[xo + NU + k] + bias[bBase + NU + k] + ar + bias[bBase + G3 + NU + k]);
        let hr = an + bias[bBase + G3 + 2u * NU + k];
        let n = tanhc(xp[xo + 2u * NU + k] + bias[bBase + 2u * NU + k] + r * hr);
        let hv = z * h[k] + (1.0 - z) * n;
        hn[k] = hv;
        H[ho + k] = hv;
        saveGate(go + k, z);
        saveGate(go + NU + k, r);
        saveGate(go + 2u * NU + k, n);
        saveGate(go + 3u * NU + k, hr);
      }
    } else {
      for (var k = 0u; k < NU; k++) {
        var az = 0.0;
        var ar = 0.0;
        for (var m = 0u; m < NU; m++) {
          let hm = h[m];
          let uo = uBase + m * G3 + k;
          az += hm * U[uo];
          ar += hm * U[uo + NU];
        }
        let z = sigmoid(xp[xo + k] + bias[bBase + k] + az);
        let r = sigmoid(xp[xo + NU + k] + bias[bBase + NU + k] + ar);
        hn[k] = z;
        rh[k] = r * h[k];
        saveGate(go + k, z);
        saveGate(go + NU + k, r);
      }
      for (var k = 0u; k < NU; k++) {
        var an = 0.0;
        for (var m = 0u; m < NU; m++) { an += rh[m] * U[uBase + m * G3 + 2u * NU + k]; }
        let n = tanhc(xp[xo + 2u * NU + k] + bias[bBase + 2u * NU + k] + an);
        let z = hn[k];
        let hv = z * h[k] + (1.0 - z) * n;
        hn[k] = hv;
        H[ho + k] = hv;
        saveGate(go + 2u * NU + k, n);
      }
    }
    h = hn;
  }
  for (var k = 0u; k < NU; k++) { HL[idx * NU + k] = h[k]; }
}
