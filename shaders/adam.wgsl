// Fused Adam/AdamW step over one parameter (Keras's update form). The state s packs the slots
// [m | v | vhat] of n elements each. Bindings are either in place (p and s read_write) or
// functional (read p_in/s_in, write p_out/s_out); the kernel builder fills in the bindings.
{{BINDINGS}}
struct Params { n: u32, nx: u32, alpha: f32, beta1: f32, beta2: f32, eps: f32, decay: f32, pad: u32 };
@group(0) @binding({{UBIND}}) var<uniform> u: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.y * u.nx + wid.x) * 256u + lid;
  if (i >= u.n) { return; }
  let g = grad[i];
  var p = {{P_IN}}[i];
  // AdamW's decoupled weight decay (decay = lr·wd), before the Adam step.
  p = p - p * u.decay;
  let m = {{S_IN}}[i] + (g - {{S_IN}}[i]) * (1.0 - u.beta1);
  let v = {{S_IN}}[u.n + i] + (g * g - {{S_IN}}[u.n + i]) * (1.0 - u.beta2);
  {{S_OUT}}[i] = m;
  {{S_OUT}}[u.n + i] = v;
  var denom = v;
{{AMSGRAD}}
  {{P_OUT}}[i] = p - (m * u.alpha) / (sqrt(denom) + u.eps);
}
