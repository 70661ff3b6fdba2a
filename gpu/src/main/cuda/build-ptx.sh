#!/usr/bin/env bash
# Compiles every kernel source in this folder to PTX and checks that each PTX assembles.
#
#   gpu/src/main/cuda/build-ptx.sh              (from anywhere; needs nvcc and ptxas, CUDA 12.x or 13.x)
#   gpu/src/main/cuda/build-ptx.sh --if-stale   (what the Maven build runs: does nothing when every PTX
#                                                is newer than every source and this script)
#
# Output, checked in so that builds without a CUDA toolkit still ship the kernels:
#   gpu/src/main/resources/dev/ddp4j/gpu/ptx/compute_90/<name>.ptx   (Hopper: H100, H200)
#   gpu/src/main/resources/dev/ddp4j/gpu/ptx/compute_80/<name>.ptx   (Ampere and Ada; also runs on Hopper)
# The driver JIT-compiles the PTX for the actual GPU when cuModuleLoadData loads it. ptxas assembles
# each file for sm_90 (and sm_80) only as a check; the cubins are discarded.
#
# Deterministic: same toolkit, same sources, same bytes. nvcc's default -O3; no --use_fast_math, so
# expf/logf/division keep their documented accuracy.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_root="$here/../resources/dev/ddp4j/gpu/ptx"
NVCC="${NVCC:-nvcc}"
PTXAS="${PTXAS:-ptxas}"
# Virtual architectures (PTX targets) and the real architectures each is assembled for as a check
# (Hopper may load either: the loader picks compute_90 there, but compute_80 must work too).
archs=("90:sm_90" "80:sm_80,sm_90")

if [[ "${1:-}" == "--if-stale" ]]; then
  oldest_ptx="$(find "$out_root" -name '*.ptx' -printf '%T@\n' 2>/dev/null | sort -n | head -1)"
  newest_src="$(find "$here" -maxdepth 1 \( -name '*.cu' -o -name '*.cuh' -o -name 'build-ptx.sh' \) -printf '%T@\n' \
    | sort -n | tail -1)"
  if [[ -n "$oldest_ptx" ]] && awk -v p="$oldest_ptx" -v s="$newest_src" 'BEGIN { exit !(p > s) }'; then
    echo "build-ptx.sh: PTX up to date"
    exit 0
  fi
fi

command -v "$NVCC" >/dev/null || { echo "build-ptx.sh: $NVCC not found" >&2; exit 1; }
command -v "$PTXAS" >/dev/null || { echo "build-ptx.sh: $PTXAS not found" >&2; exit 1; }

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

for pair in "${archs[@]}"; do
  cc="${pair%%:*}"
  sms="${pair##*:}"
  out="$out_root/compute_$cc"
  mkdir -p "$out"
  for src in "$here"/*.cu; do
    name="$(basename "$src" .cu)"
    "$NVCC" -ptx -std=c++17 -arch="compute_$cc" -I"$here" "$src" -o "$scratch/$name.ptx"
    for sm in ${sms//,/ }; do
      "$PTXAS" -arch="$sm" "$scratch/$name.ptx" -o "$scratch/$name.cubin"
    done
    # Rewrite only on change (the bytes are deterministic); touch otherwise, for --if-stale.
    if cmp -s "$scratch/$name.ptx" "$out/$name.ptx"; then
      touch "$out/$name.ptx"
    else
      cp "$scratch/$name.ptx" "$out/$name.ptx"
    fi
    printf '%-12s compute_%s -> %s ok (%s bytes, %s entries)\n' "$name" "$cc" "$sms" \
      "$(wc -c <"$out/$name.ptx")" "$(grep -c '^\.visible \.entry' "$out/$name.ptx")"
  done
done
