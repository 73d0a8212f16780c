// Fused SGD step over one parameter (Keras's form): with momentum, s holds the velocity
// m ← momentum·m − lr·g, then p ← p + m (or p + momentum·m − lr·g with Nesterov); without, p ← p − lr·g.
{{BINDINGS}}
struct Params { n: u32, nx: u32, lr: f32, momentum: f32 };
@group(0) @binding({{UBIND}}) var<uniform> u: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * u.nx + wid.x) * 256u + lid;
  if (i >= u.n) { return; }
  let g = grad[i];
  let p = {{P_IN}}[i];
{{BODY}}
}
