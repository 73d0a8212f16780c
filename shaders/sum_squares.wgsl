// out[0] = Σ x[i]² over n elements, by one workgroup: each invocation sums a strided share, then
// a tree reduction in workgroup memory (8 barriers).
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
struct Params { n: u32 };
@group(0) @binding(2) var<uniform> u: Params;

var<workgroup> partial: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var i = lid; i < u.n; i += 256u) { acc += x[i] * x[i]; }
  partial[lid] = acc;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid < w) { partial[lid] += partial[lid + w]; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[0] = partial[0]; }
}
