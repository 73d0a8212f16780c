// C[b] = A[b]·B[b] with any operand strides (so transposes are free). Barrier-free register
// blocking: each invocation owns a 4×4 block of C and streams A and B from memory. This is the
// variant for software adapters (workgroupBarrier is very slow on SwiftShader) and skinny shapes.
// The block is spelled out (acc0…acc3, rows a0…a3) rather than held in indexed arrays: SwiftShader
// turns a dynamically indexed private array into per-lane scalar loads and stores.
// The stored value is OUT(v) for v the dot product at column n: v itself, or a fused epilogue
// (bias add, activation) whose bindings are inserted before C (src/kernels/matmul.ts).
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
{{EPILOGUE_BINDINGS}}
@group(0) @binding({{C_BINDING}}) var<storage, read_write> C: array<f32>;
struct Params { M: u32, N: u32, K: u32, aBatch: u32, bBatch: u32, aM: u32, aK: u32, bK: u32, bN: u32 };
@group(0) @binding({{U_BINDING}}) var<uniform> u: Params;

// Stores row m of the block (columns n0…n0+3 that exist).
fn storeRow(cBase: u32, m: u32, n0: u32, acc: vec4f) {
  if (m >= u.M) { return; }
  let o = cBase + m * u.N;
  for (var j = 0u; j < 4u; j++) {
    let n = n0 + j;
    if (n < u.N) { let v = acc[j]; C[o + n] = {{OUT}}; }
  }
}

// Row i of the block's outer product at one k: A[m0 + i, k] · B[k, n0…n0+3].
fn product(k: u32, a0: u32, a1: u32, a2: u32, a3: u32, b0: u32, b1: u32, b2: u32, b3: u32) -> mat4x4f {
  let bk = k * u.bK;
  let bv = vec4f(B[b0 + bk], B[b1 + bk], B[b2 + bk], B[b3 + bk]);
  let ak = k * u.aK;
  return mat4x4f(A[a0 + ak] * bv, A[a1 + ak] * bv, A[a2 + ak] * bv, A[a3 + ak] * bv);
}

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let m0 = gid.y * 4u;
  let n0 = gid.x * 4u;
  if (m0 >= u.M || n0 >= u.N) { return; }
  let batch = gid.z;
  let aBase = batch * u.aBatch;
  let bBase = batch * u.bBatch;
  // Rows/columns past the edge read a valid index (clamped) and are never stored.
  let a0 = aBase + m0 * u.aM;
  let a1 = aBase + min(m0 + 1u, u.M - 1u) * u.aM;
  let a2 = aBase + min(m0 + 2u, u.M - 1u) * u.aM;
  let a3 = aBase + min(m0 + 3u, u.M - 1u) * u.aM;
  let b0 = bBase + n0 * u.bN;
  let b1 = bBase + min(n0 + 1u, u.N - 1u) * u.bN;
  let b2 = bBase + min(n0 + 2u, u.N - 1u) * u.bN;
  let b3 = bBase + min(n0 + 3u, u.N - 1u) * u.bN;
  var acc0 = vec4f();
  var acc1 = vec4f();
  var acc2 = vec4f();
  var acc3 = vec4f();
  // Four k per iteration, summed before they are added: on SwiftShader each update of a
  // loop-carried variable is a masked read-modify-write, dearer than the multiply-adds it carries.
  let k4 = u.K & ~3u;
  for (var k = 0u; k < k4; k += 4u) {
    let p0 = product(k, a0, a1, a2, a3, b0, b1, b2, b3);
    let p1 = product(k + 1u, a0, a1, a2, a3, b0, b1, b2, b3);
    let p2 = product(k + 2u, a0, a1, a2, a3, b0, b1, b2, b3);
    let p3 = product(k + 3u, a0, a1, a2, a3, b0, b1, b2, b3);
    acc0 += p0[0] + p1[0] + p2[0] + p3[0];
    acc1 += p0[1] + p1[1] + p2[1] + p3[1];
    acc2 += p0[2] + p1[2] + p2[2] + p3[2];
    acc3 += p0[3] + p1[3] + p2[3] + p3[3];
  }
  for (var k = k4; k < u.K; k++) {
    let p0 = product(k, a0, a1, a2, a3, b0, b1, b2, b3);
    acc0 += p0[0];
    acc1 += p0[1];
    acc2 += p0[2];
    acc3 += p0[3];
  }
  let cBase = batch * u.M * u.N;
  storeRow(cBase, m0, n0, acc0);
  storeRow(cBase, m0 + 1u, n0, acc1);
  storeRow(cBase, m0 + 2u, n0, acc2);
  storeRow(cBase, m0 + 3u, n0, acc3);
}
