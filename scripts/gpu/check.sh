#!/usr/bin/env bash
# One run on a GPU host without Java (the device machine): unpacks the JRE that
# ../shared/tools/device-pack.sh bundled into .devicepack/, then checks and times everything GPU-side:
# the GEMM kernels (correctness and TFLOP/s at 4096^3), the backend conformance suite and training
# throughput on cuda:0, and PyTorch's figures on the same GPU when torch is installed. Run from the
# repository root; carry .devicepack.
set -uo pipefail
tar xJf .devicepack/jre.tar.xz -C /tmp
export PATH=/tmp/jre/bin:$PATH
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
java_run() { java --add-modules jdk.incubator.vector -Xmx8g -cp '.devicepack/lib/*' "$@"; }
status=0
echo "== ddp4j GEMM kernels"
java_run dev.ddp4j.gpu.CudaGemmCheck 4096 || status=1
echo "== ddp4j conformance and training on cuda:0"
java_run dev.ddp4j.gpu.CudaCheck || status=1
for mode in fp32 tf32; do
  echo "== ddp4j training, -Dddp4j.cuda.matmul=$mode"
  java_run -Dddp4j.cuda.matmul=$mode dev.ddp4j.gpu.CudaCheck --train-only 2>&1 | grep -E '^\|' || status=1
done
if python3 -c 'import torch' 2>/dev/null; then
  echo "== PyTorch on the same GPU"
  python3 scripts/gpu/torch_gpu_bench.py || status=1
fi
exit $status
