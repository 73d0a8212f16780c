// out[i] = EXPR(inputs at their broadcast positions). Rank is baked in so the index
// arithmetic unrolls; shapes and strides arrive as uniforms.
{{BINDINGS}}
struct Params {
  n: u32,
  nx: u32,
  p0: f32,
  p1: f32,
{{FIELDS}}
};
@group(0) @binding({{UBIND}}) var<uniform> u: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * u.nx + wid.x) * 256u + lid;
  if (i >= u.n) { return; }
  let p0 = u.p0;
  let p1 = u.p1;
{{INDEX}}
{{LOADS}}
  out[i] = {{EXPR}};
}
