// Gradient of a row gather without float atomics: each invocation owns one (row, column) of the
// result and sums, in a fixed order, the incoming rows listed for it in a CSR index
// (rows[offsets[v] .. offsets[v+1]]). Deterministic: the same order on every run.
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> rows: array<i32>;
@group(0) @binding(2) var<storage, read> offsets: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
struct Params { V: u32, D: u32, nx: u32 };
@group(0) @binding(4) var<uniform> u: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let o = (wid.y * u.nx + wid.x) * 256u + lid;
  if (o >= u.V * u.D) { return; }
  let v = o / u.D;
  let d = o % u.D;
  var acc = 0.0;
  for (var j = offsets[v]; j < offsets[v + 1u]; j++) {
    acc += dy[u32(rows[j]) * u.D + d];
  }
  out[o] = acc;
}
