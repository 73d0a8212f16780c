// out[i, :] = table[ids[i], :]. An id outside [0, V) yields a row of NaN (the host validates ids
// it knows about before dispatching; this keeps unknown ones from reading another row silently).
@group(0) @binding(0) var<storage, read> table: array<f32>;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
// NaN cannot be a WGSL constant, so its bit pattern arrives as a uniform.
struct Params { n: u32, D: u32, V: u32, nx: u32, nanBits: u32 };
@group(0) @binding(3) var<uniform> u: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let o = (wid.y * u.nx + wid.x) * 256u + lid;
  if (o >= u.n * u.D) { return; }
  let id = ids[o / u.D];
  if (id < 0 || u32(id) >= u.V) {
    out[o] = bitcast<f32>(u.nanBits);
    return;
  }
  out[o] = table[u32(id) * u.D + o % u.D];
}
