#!/usr/bin/env bash
# Worker processes vs the in-process pipeline, side by side on the same scans and machine: `xray detect` (one
# process, prefetching) against `xray batch run` with 1 and 2 workers. Prints scans/s and the ratios that
# docs/BENCHMARKS.md quotes. Usage: bash scripts/bench-batch.sh [N_SCANS=200] [MODEL]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
model=${2:-models/xray-concealment-s.onnx}
work=${BENCH_DIR:-/tmp/xray-bench-batch}
xray="dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll"
[ -f src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll ] || dotnet build src/XrayAnalysis.Cli -c Release -v q
mkdir -p "$work"
if [ "$(find "$work/scans/images" -name '*.png' 2>/dev/null | wc -l)" != "$n" ]; then
  rm -rf "$work/scans"
  $xray synth --kind baggage --count "$n" --seed 77 --no-raw --out "$work/scans" >/dev/null
fi
rate() { awk -v n="$n" -v s="$1" 'BEGIN { printf "%.2f", n / s }'; }
timeit() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }'; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $n baggage scans 1024x768; model $model"
for round in 1 2 3; do
  rm -rf "$work/detect" "$work/w1" "$work/w2"
  d=$(timeit $xray detect "$work/scans/images" --model "$model" --out "$work/detect")
  w1=$(timeit $xray batch run "$work/scans/images" --model "$model" --out "$work/w1" --workers 1)
  w2=$(timeit $xray batch run "$work/scans/images" --model "$model" --out "$work/w2")
  echo "round $round: detect (in-process) $d s = $(rate "$d") scans/s; batch --workers 1 (x $(nproc) threads) $w1 s = $(rate "$w1") scans/s (ratio $(awk -v a="$d" -v b="$w1" 'BEGIN{printf "%.3f", a/b}')); batch defaults ($(nproc) workers x 1 thread) $w2 s = $(rate "$w2") scans/s (ratio $(awk -v a="$d" -v b="$w2" 'BEGIN{printf "%.3f", a/b}'))"
done
