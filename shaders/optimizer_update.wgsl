// One fused optimizer step (Keras's update forms) over elements [start, start + n) of flat
// buffers: one parameter, or an optimizer's arena of all of them. The state packs its slots
// `stride` elements apart. src/kernels/optimizer.ts fills in the bindings (in place: p and s
// read_write; functional: read p_in/s_in, write p_out/s_out), the optional gradient clipping
// (clipvalue, or the global norm from a sum of squares), and the optimizer's own uniforms and
// statements (BODY sees i, the clipped gradient g and the parameter value p).
{{BINDINGS}}
struct Params { n: u32, nx: u32, start: u32, stride: u32, clipvalue: f32, clipnorm: f32, {{PARAMS}} };
@group(0) @binding({{UBIND}}) var<uniform> u: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let k = (wid.y * u.nx + wid.x) * 256u + lid;
  if (k >= u.n) { return; }
  let i = u.start + k;
  var g = grad[i];
{{CLIP}}
  var p = {{P_IN}}[i];
{{BODY}}
}
