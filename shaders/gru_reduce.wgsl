// Sums the partials of the GRU weight gradients and splits them into dU [D, u, 3u], dW [F, D·3u]
// and dBias [D, NB, 3u]: one invocation per output element. Per direction a partial has u + F + NB
// rows of 3u (dU rows, dW rows, bias rows); direction d's element e of part q is at
// e·eStride + d·dStride + q·pStride (tiles: [nParts, D, rows, 3u]; the barrier-free kernel's
// per-sequence partials: [rows, 3u, B, D]).
@group(0) @binding(0) var<storage, read> P: array<f32>;
@group(0) @binding(1) var<storage, read_write> dU: array<f32>;
@group(0) @binding(2) var<storage, read_write> dW: array<f32>;
@group(0) @binding(3) var<storage, read_write> dBias: array<f32>;
struct Params { nParts: u32, D: u32, nx: u32, eStride: u32, dStride: u32, pStride: u32 };
@group(0) @binding(4) var<uniform> p: Params;

const NU: u32 = {{UNITS}}u;
const NF: u32 = {{F}}u;
const G3: u32 = 3u * NU;
const NB: u32 = {{NB}}u;
const PER: u32 = (NU + NF + NB) * G3;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let o = (wid.y * p.nx + wid.x) * 256u + lid;
  if (o >= p.D * PER) { return; }
  let d = o / PER;
  let e = o % PER;
  let base = e * p.eStride + d * p.dStride;
  var a = 0.0;
  for (var q = 0u; q < p.nParts; q++) { a += P[base + q * p.pStride]; }
  let r = e / G3;
  let j = e % G3;
  if (r < NU) {
    dU[d * NU * G3 + e] = a;
  } else if (r < NU + NF) {
    dW[(r - NU) * p.D * G3 + d * G3 + j] = a;
  } else {
    dBias[(d * NB + r - NU - NF) * G3 + j] = a;
  }
}
