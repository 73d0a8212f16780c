// Strided copy: dst[dstOff + Σ c_d·dstStride_d] = src[srcOff + Σ c_d·srcStride_d] for every
// coordinate c of the copied block. Covers transpose, slice, reverse (negative strides) and the
// pieces of concat.
@group(0) @binding(0) var<storage, read> src: array<{{T}}>;
@group(0) @binding(1) var<storage, read_write> dst: array<{{T}}>;
struct Params {
  n: u32,
  nx: u32,
  srcOff: i32,
  dstOff: i32,
{{FIELDS}}
};
@group(0) @binding(2) var<uniform> u: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * u.nx + wid.x) * 256u + lid;
  if (i >= u.n) { return; }
  var rem = i;
  var s = u.srcOff;
  var d = u.dstOff;
{{INDEX}}
  dst[d] = src[s];
}
