#!/usr/bin/env bash
# Sourced by the training scripts from the repository root: the .NET build prerequisites (scripts/prereqs.sh) and the
# distribution's PyTorch, ONNX and OpenCV for Python, installed when missing; sets PY to the interpreter to use.
bash scripts/prereqs.sh
for pkg in python3-torch python3-onnx python3-opencv python3-numpy libjemalloc2; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || NEED="${NEED:-} $pkg"
done
if [ -n "${NEED:-}" ]; then SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo; $SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $NEED; fi
PY=${PYTHON:-/usr/bin/python3}
source models/training/cpu-malloc.sh
