// Fused Adam/AdamW step (Keras's update form) over elements [start, start + n) of flat buffers:
// one parameter, or an optimizer's arena of all of them. The state s packs the slots
// [m | v | vhat], `stride` elements apart. Bindings are either in place (p and s read_write) or
// functional (read p_in/s_in, write p_out/s_out); the kernel builder fills in the bindings and
// the optional gradient clipping (clipvalue, or the global norm from a sum of squares).
{{BINDINGS}}
struct Params { n: u32, nx: u32, start: u32, stride: u32, clipvalue: f32, clipnorm: f32, alpha: f32, beta1: f32, beta2: f32, eps: f32, decay: f32 };
@group(0) @binding({{UBIND}}) var<uniform> u: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let k = (wid.y * u.nx + wid.x) * 256u + lid;
  if (k >= u.n) { return; }
  let i = u.start + k;
  var g = grad[i];
{{CLIP}}
  var p = {{P_IN}}[i];
  // AdamW's decoupled weight decay (decay = lr·wd), before the Adam step.
  p = p - p * u.decay;
  let m = {{S_IN}}[i] + (g - {{S_IN}}[i]) * (1.0 - u.beta1);
  let v = {{S_IN}}[u.stride + i] + (g * g - {{S_IN}}[u.stride + i]) * (1.0 - u.beta2);
  {{S_OUT}}[i] = m;
  {{S_OUT}}[u.stride + i] = v;
  var denom = v;
{{AMSGRAD}}
  {{P_OUT}}[i] = p - (m * u.alpha) / (sqrt(denom) + u.eps);
}
