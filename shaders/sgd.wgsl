// Fused SGD step (Keras's form) over elements [start, start + n) of flat buffers (one parameter,
// or an optimizer's arena of all of them): with momentum, s holds the velocity
// m ← momentum·m − lr·g, then p ← p + m (or p + momentum·m − lr·g with Nesterov); without,
// p ← p − lr·g. Optional gradient clipping as in adam.wgsl.
{{BINDINGS}}
struct Params { n: u32, nx: u32, start: u32, stride: u32, clipvalue: f32, clipnorm: f32, lr: f32, momentum: f32 };
@group(0) @binding({{UBIND}}) var<uniform> u: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let k = (wid.y * u.nx + wid.x) * 256u + lid;
  if (k >= u.n) { return; }
  let i = u.start + k;
  var g = grad[i];
{{CLIP}}
  let p = {{P_IN}}[i];
{{BODY}}
}
