#!/usr/bin/env bash
# Builds the CUDA variant of the xray CLI into artifacts/xray-cuda/ (docs/GPU.md). It links ONNX Runtime's CUDA package
# (Microsoft.ML.OnnxRuntime.Gpu.Linux 1.31.0, the newest served) instead of the CPU one; at run time it needs an NVIDIA
# driver, CUDA 13 and cuDNN 9 on the library path. Without them `--device cuda` says which library is missing, in one
# line, and runs on the CPU. Intermediate files go to artifacts/cuda-build/, so the normal CPU build is untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet publish src/XrayAnalysis.Cli -c Release -p:XrayCuda=true --artifacts-path artifacts/cuda-build -v quiet -nologo
rm -rf artifacts/xray-cuda
cp -r artifacts/cuda-build/publish/XrayAnalysis.Cli/release artifacts/xray-cuda
echo "built: dotnet artifacts/xray-cuda/xray.dll ... --device cuda[:N]"
