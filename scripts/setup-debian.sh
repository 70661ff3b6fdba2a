#!/bin/sh
# Installs the Debian packages ddp4j uses at run time, if missing:
#   libopenblas0           - the optimised BLAS behind ddp4j's float32/float64 GEMM
#   dataset-fashion-mnist  - the training data (/usr/share/datasets/fashion-mnist)
# Needs root (or sudo). Safe to run repeatedly.
set -e
missing=""
dpkg -s libopenblas0 >/dev/null 2>&1 || missing="$missing libopenblas0"
dpkg -s dataset-fashion-mnist >/dev/null 2>&1 || missing="$missing dataset-fashion-mnist"
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "ddp4j setup: installing$missing" >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq $missing >/dev/null 2>&1 || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq $missing >/dev/null; }
