// out[0] = (Σ_i TERM(a[i], b[i])) / n over n elements, by one workgroup: a loss or metric and
// its mean in one dispatch. Each invocation sums a strided share, then a tree reduction in
// workgroup memory (8 barriers).
@group(0) @binding(0) var<storage, read> in_a: array<f32>;
@group(0) @binding(1) var<storage, read> in_b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
struct Params { n: u32, count: f32, p0: f32 };
@group(0) @binding(3) var<uniform> u: Params;

var<workgroup> partial: array<f32, 256>;

fn term(a: f32, b: f32, p0: f32) -> f32 {
  return {{TERM}};
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var i = lid; i < u.n; i += 256u) { acc += term(in_a[i], in_b[i], u.p0); }
  partial[lid] = acc;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w >>= 1u) {
    if (lid < w) { partial[lid] += partial[lid + w]; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[0] = partial[0] / u.count; }
}
