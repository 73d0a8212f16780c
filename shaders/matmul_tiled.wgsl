// C[b] = A[b]·B[b] with any operand strides. 64×64 output tile per workgroup, 16-deep K tiles
// staged in workgroup memory, 4×4 outputs per invocation: the variant for real GPUs.
// The stored value is OUT(v) at column n, as in matmul_register.wgsl.
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
{{EPILOGUE_BINDINGS}}
@group(0) @binding({{C_BINDING}}) var<storage, read_write> C: array<f32>;
struct Params { M: u32, N: u32, K: u32, aBatch: u32, bBatch: u32, aM: u32, aK: u32, bK: u32, bN: u32 };
@group(0) @binding({{U_BINDING}}) var<uniform> u: Params;

const TILE = 64u;
const TK = 16u;
var<workgroup> As: array<f32, 1024>; // [TK][TILE]
var<workgroup> Bs: array<f32, 1024>; // [TK][TILE]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let batch = wid.z;
  let aBase = batch * u.aBatch;
  let bBase = batch * u.bBatch;
  let tileM = wid.y * TILE;
  let tileN = wid.x * TILE;
  let t = lid.y * 16u + lid.x;
  var acc: array<vec4f, 4>;
  for (var k0 = 0u; k0 < u.K; k0 += TK) {
    // 256 invocations load 1024 elements of each tile: 4 each.
    for (var q = 0u; q < 4u; q++) {
      let e = t + q * 256u;
      let kk = e / TILE;
      let mn = e % TILE;
      let k = k0 + kk;
      let m = tileM + mn;
      let n = tileN + mn;
      As[e] = select(0.0, A[aBase + min(m, u.M - 1u) * u.aM + min(k, u.K - 1u) * u.aK], m < u.M && k < u.K);
      Bs[e] = select(0.0, B[bBase + min(k, u.K - 1u) * u.bK + min(n, u.N - 1u) * u.bN], n < u.N && k < u.K);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let bv = vec4f(Bs[kk * TILE + lid.x * 4u], Bs[kk * TILE + lid.x * 4u + 1u], Bs[kk * TILE + lid.x * 4u + 2u], Bs[kk * TILE + lid.x * 4u + 3u]);
      for (var i = 0u; i < 4u; i++) { acc[i] += As[kk * TILE + lid.y * 4u + i] * bv; }
    }
    workgroupBarrier();
  }
  let cBase = batch * u.M * u.N;
  for (var i = 0u; i < 4u; i++) {
    let m = tileM + lid.y * 4u + i;
    for (var j = 0u; j < 4u; j++) {
      let n = tileN + lid.x * 4u + j;
      if (m < u.M && n < u.N) { let v = acc[i][j]; C[cBase + m * u.N + n] = {{OUT}}; }
    }
  }
}
