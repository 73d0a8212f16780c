// C[b] = A[b]·B[b] with any operand strides (so transposes are free). Barrier-free register
// blocking: each invocation owns a 4×4 block of C and streams A and B from memory. This is the
// variant for software adapters (workgroupBarrier is very slow on SwiftShader) and skinny shapes.
// The stored value is OUT(v) for v the dot product at column n: v itself, or a fused epilogue
// (bias add, activation) whose bindings are inserted before C (src/kernels/matmul.ts).
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
{{EPILOGUE_BINDINGS}}
@group(0) @binding({{C_BINDING}}) var<storage, read_write> C: array<f32>;
struct Params { M: u32, N: u32, K: u32, aBatch: u32, bBatch: u32, aM: u32, aK: u32, bK: u32, bN: u32 };
@group(0) @binding({{U_BINDING}}) var<uniform> u: Params;

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let m0 = gid.y * 4u;
  let n0 = gid.x * 4u;
  if (m0 >= u.M || n0 >= u.N) { return; }
  let batch = gid.z;
  let aBase = batch * u.aBatch;
  let bBase = batch * u.bBatch;
  var acc: array<vec4f, 4>;
  // Rows/columns past the edge read a valid index (clamped) and are never stored.
  var ar: array<u32, 4>;
  for (var i = 0u; i < 4u; i++) { ar[i] = aBase + min(m0 + i, u.M - 1u) * u.aM; }
  var bc: vec4u;
  for (var j = 0u; j < 4u; j++) { bc[j] = bBase + min(n0 + j, u.N - 1u) * u.bN; }
  for (var k = 0u; k < u.K; k++) {
    let bk = k * u.bK;
    let bv = vec4f(B[bc.x + bk], B[bc.y + bk], B[bc.z + bk], B[bc.w + bk]);
    let ak = k * u.aK;
    for (var i = 0u; i < 4u; i++) { acc[i] += A[ar[i] + ak] * bv; }
  }
  let cBase = batch * u.M * u.N;
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + i;
    if (m < u.M) {
      for (var j = 0u; j < 4u; j++) {
        let n = n0 + j;
        if (n < u.N) { let v = acc[i][j]; C[cBase + m * u.N + n] = {{OUT}}; }
      }
    }
  }
}
