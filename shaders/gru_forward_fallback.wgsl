// GRU forward over a whole sequence, barrier-free: one invocation owns one (sequence, direction)
// and loops over time with its state in private memory. The variant for software adapters
// (SwiftShader), where workgroupBarrier() is very slow and dynamically indexed private arrays are
// slow: the step is unrolled over the units (src/kernels/webgpu/gru-unrolled.ts) and reads U and
// the bias from the invocation's own private copy (pW, fW) at constant indices.
// A workgroup serves one direction (z) and WG sequences. Keras TF2 math, gates [z | r | h].
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
{{W_DECL}}

// Saved activations for BPTT (a no-op in inference).
{{SAVE_FN}}

fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
// Some WGSL implementations compute tanh through exp and return NaN for large |x|.
fn tanhc(x: f32) -> f32 { return tanh(clamp(x, -10.0, 10.0)); }

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let d = wid.z;
  let b = (wid.y * p.nx + wid.x) * {{WG}}u + lid;
  if (b >= p.B) { return; }
  let back = ((p.backMask >> d) & 1u) == 1u;
  let uBase = d * NU * G3;
  let bBase = d * NB * G3;
  {{W_LOAD}}
  var h: array<f32, NU>;
  for (var s = 0u; s < p.T; s++) {
    let t = select(s, p.T - 1u - s, back);
    let row = (b * p.T + t) * p.D + d;
    let xo = row * G3;
    let go = row * GW;
    let ho = row * NU;
    {{STEP}}
  }
  let hl = (b * p.D + d) * NU;
  for (var k = 0u; k < NU; k++) { HL[hl + k] = h[k]; }
}
