// GRU weight gradients for the barrier-free family: per-(sequence, direction) partials of dU, dW
// and dBias summed over time from BPTT's dXp (and GH), which gru_reduce.wgsl then sums over the
// sequences. One invocation owns one (sequence, direction, slice of partial rows) and keeps its
// sums in private accumulators at constant indices, updated once per two steps (the code is
// unrolled per slice: src/kernels/webgpu/gru-unrolled.ts). Partials are element-major,
// [u + F + NB, 3u, B·D], so that neighbouring invocations write neighbouring words. S is GH
// (reset after) or G (before).
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> H: array<f32>;
@group(0) @binding(2) var<storage, read> S: array<f32>;
@group(0) @binding(3) var<storage, read> dXp: array<f32>;
@group(0) @binding(4) var<storage, read_write> P: array<f32>;
struct Params { B: u32, T: u32, D: u32, backMask: u32, nx: u32 };
@group(0) @binding(5) var<uniform> p: Params;

const NU: u32 = {{UNITS}}u;
const NF: u32 = {{F}}u;
const G3: u32 = 3u * NU;
const GW: u32 = {{GW}}u;
{{ACC_DECL}}

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = (wid.y * p.nx + wid.x) * {{WG}}u + lid;
  if (b >= p.B) { return; }
  let d = wid.z % p.D;
  let slice = wid.z / p.D;
  let back = ((p.backMask >> d) & 1u) == 1u;
  let pN = p.B * p.D;
  let pIdx = b * p.D + d;
  {{ACC_LOCAL}}
  switch slice {
  {{SLICES}}
  default: {}
  }
}
