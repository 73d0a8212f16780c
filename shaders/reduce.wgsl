// Reduces the middle axis of x viewed as [A, R, C] in chunks of `chunk` rows:
// out[a, k, c] = OP over r in [k·chunk, min(R, (k+1)·chunk)) of x[a, r, c].
// One pass with chunk = R, or two passes (partials, then the partials) when A·C is too small to
// keep the device busy.
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
struct Params { A: u32, R: u32, C: u32, chunk: u32, K: u32, nx: u32 };
@group(0) @binding(2) var<uniform> u: Params;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let o = (wid.y * u.nx + wid.x) * 256u + lid;
  if (o >= u.A * u.K * u.C) { return; }
  let c = o % u.C;
  let k = (o / u.C) % u.K;
  let a = o / (u.C * u.K);
  let r0 = k * u.chunk;
  let r1 = min(u.R, r0 + u.chunk);
  var acc = {{INIT}};
  for (var r = r0; r < r1; r++) {
    let v = x[(a * u.R + r) * u.C + c];
    acc = {{COMBINE}};
  }
  out[o] = acc;
}
