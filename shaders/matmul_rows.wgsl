// C[b] = A[b]·B[b] when B is small (its K·N floats fit an invocation's private memory): each
// invocation copies B once into private memory and computes whole rows of C, unrolled over K and
// N (ROW, generated in src/kernels/matmul.ts), so that every B read is a constant-index private
// load and A is read once per row. B's copy spans two arrays when it is larger than WGSL's 8 KiB
// for one address space: module-scope Bp, then the function-scope Bf. The variant for software adapters' skinny products (the GRU's
// x·W and dXp·Wᵀ): on SwiftShader a storage read costs as much as dozens of multiply-adds, and a
// private read at a constant index is one vector load.
@group(0) @binding(0) var<storage, read> A: array<f32>;
@group(0) @binding(1) var<storage, read> B: array<f32>;
{{EPILOGUE_BINDINGS}}
@group(0) @binding({{C_BINDING}}) var<storage, read_write> C: array<f32>;
struct Params { M: u32, N: u32, K: u32, aBatch: u32, bBatch: u32, aM: u32, aK: u32, bK: u32, bN: u32, rows: u32, nx: u32 };
@group(0) @binding({{U_BINDING}}) var<uniform> u: Params;

const K = {{K}}u;
const N = {{N}}u;
var<private> Bp: array<f32, {{KP}}>;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r0 = ((wid.y * u.nx + wid.x) * {{WG}}u + lid) * u.rows;
  if (r0 >= u.M) { return; }
  let batch = wid.z;
  let bBase = batch * u.bBatch;
  {{BF_DECL}}
  for (var k = 0u; k < K; k++) {
    for (var n = 0u; n < N; n++) {
      let i = k * N + n;
      let v = B[bBase + k * u.bK + n * u.bN];
      {{B_STORE}}
    }
  }
  let aBase = batch * u.aBatch;
  let cBase = batch * u.M * N;
  for (var m = r0; m < min(r0 + u.rows, u.M); m++) {
    let a = aBase + m * u.aM;
    let o = cBase + m * N;
    {{ROW}}
  }
}
