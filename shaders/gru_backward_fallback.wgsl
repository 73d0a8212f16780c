// GRU backward through time, barrier-free: one invocation owns one (sequence, direction) and walks
// the steps in reverse with dh carried in private memory, writing the pre-activation gradients
// dXp and (reset after) GH, the recurrent-side ĥ gradient; gru_weights_fallback.wgsl then sums
// the weight gradients from them. Unrolled over the units, with a private copy of U, as in
// gru_forward_fallback.wgsl. A workgroup serves one direction (z) and WG sequences.
// Layouts: see src/kernels/gru.ts; GH [B, T, D·u] like H.
@group(0) @binding(0) var<storage, read> U: array<f32>;
@group(0) @binding(1) var<storage, read> G: array<f32>;
@group(0) @binding(2) var<storage, read> H: array<f32>;
{{OPTIONAL_DECLS}}
@group(0) @binding({{B_DXP}}) var<storage, read_write> dXp: array<f32>;
{{GH_DECL}}
struct Params { B: u32, T: u32, D: u32, backMask: u32, nx: u32 };
@group(0) @binding({{B_UNIFORM}}) var<uniform> p: Params;

const NU: u32 = {{UNITS}}u;
const G3: u32 = 3u * NU;
const GW: u32 = {{GW}}u;
{{W_DECL}}

{{OPTIONAL_READERS}}

fn timeOf(s: u32, back: bool) -> u32 { return select(s, p.T - 1u - s, back); }

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let d = wid.z;
  let b = (wid.y * p.nx + wid.x) * {{WG}}u + lid;
  if (b >= p.B) { return; }
  let back = ((p.backMask >> d) & 1u) == 1u;
  let uBase = d * NU * G3;
  {{W_LOAD}}
  var dhc: array<f32, NU>;  // dL/dh carried to the previous step; starts at dHL
  var hp: array<f32, NU>;   // h of the previous step
  let hl = (b * p.D + d) * NU;
  for (var k = 0u; k < NU; k++) { dhc[k] = readDHL(hl + k); }
  for (var i = 0u; i < p.T; i++) {
    let s = p.T - 1u - i;
    let t = timeOf(s, back);
    let row = (b * p.T + t) * p.D + d;
    let xo = row * G3;
    let go = row * GW;
    let ho = row * NU;
    if (s > 0u) {
      let po = ((b * p.T + timeOf(s - 1u, back)) * p.D + d) * NU;
      {{HP_LOAD}}
    } else {
      hp = array<f32, NU>();
    }
    {{STEP}}
  }
}
