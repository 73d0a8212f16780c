#!/bin/bash
# The WebGPU checks and benchmarks for a lent GPU machine (this workplace's `device` tool), as one
# command. Prepare here, from the project root:
#   ../shared/tools/gpu-pack.sh                      # .gpu/: Node, the Vulkan loader, env.sh
#   node scripts/device-bundle.mjs dist-device       # the benches with TF.js bundled in
#   tar c <vitest's dependency closure> node_modules/webgpu/{index.js,package.json,dist/linux-x64} | xz > .gpu/nm.tar.xz
# then run `bash scripts/device-run.sh` there with carry [".gpu", "dist-device"] (and, for the IMDB
# tutorial on the GPU, IMDB=path/to/aclImdb_labeled.tar.gz with that file carried too). Everything it
# prints goes to $OUT too. Steps are independent: one that fails or times out does not stop the rest.
# STEPS picks them (default "tests timeline bench profile imdb"; imdb runs only with IMDB set).
set -u
STEPS=" ${STEPS:-tests timeline bench profile imdb} "
want() { [[ "$STEPS" == *" $1 "* ]]; }
OUT=${OUT:-/tmp/device-out}
mkdir -p "$OUT"
source .gpu/env.sh
tar xJf .gpu/nm.tar.xz
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1 | tee "$OUT/gpu.txt"
# The GPU-vs-CPU kernel and model tests, on the GPU (full-size model gradients included).
if want tests; then
WEBGRAD_FULL_SIZE=1 timeout "${TEST_SECONDS:-240}" node node_modules/vitest/vitest.mjs run \
  test/kernels test/nn test/optim test/tensor test/reliability/webgpu.test.ts test/train/fit.test.ts \
  >"$OUT/tests.log" 2>&1
echo "tests: exit $?"; grep -E "Test Files|Tests |FAIL|✗|×" "$OUT/tests.log" | head -40
fi
# Host (enqueue) time against device time per training step.
want timeline && { timeout 120 node dist-device/bench/step-timeline.js --batches 32,128,512 --steps 50 2>&1 | tee "$OUT/step-timeline.log"; }
# webgrad webgpu vs TF.js webgpu on the same Dawn adapter, PyTorch on CUDA, live buffers.
want bench && { timeout "${BENCH_SECONDS:-300}" node dist-device/bench/train-step.js --only "${BENCH_ONLY:-webgpu,tfjs-webgpu,torch,leak}" \
  --torch-device cuda --json "$OUT/train-step-gpu.json" >"$OUT/train-step.log" 2>&1
echo "train-step: exit $?"; grep -v '^\[' "$OUT/train-step.log" | grep -v '^  ' | head -60; }
want profile && { timeout "${PROFILE_SECONDS:-90}" node dist-device/bench/profile-step.js --batches 32,512 >"$OUT/profile-step.log" 2>&1
echo "profile-step: exit $?"; tail -40 "$OUT/profile-step.log"; }
if want imdb && [ -n "${IMDB:-}" ]; then
  for seed in ${IMDB_SEEDS:-42}; do
    timeout "${IMDB_SECONDS:-240}" node dist-device/bench/imdb-tutorial.js --backend webgpu --data "$IMDB" --finder-epochs 2 --seed "$seed" >"$OUT/imdb-$seed.log" 2>&1
    echo "imdb seed $seed: exit $?"; tail -25 "$OUT/imdb-$seed.log"
  done
  cp bench/results/imdb-tutorial-*.json "$OUT/" 2>/dev/null
fi
