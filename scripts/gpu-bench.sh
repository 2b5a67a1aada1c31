#!/usr/bin/env bash
# CPU against CUDA on one GPU machine, side by side, on the same scans (issue 17, item 5): baggage (whole-image batches),
# cargo (tiled) and the sample CT volume; throughput of each and whether the boxes agree. Needs the .NET 10 SDK, an
# NVIDIA GPU with CUDA 13 + cuDNN 9; writes everything to OUT (default out/gpu-bench). Bounded: about 5 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-out/gpu-bench}
M=models/xray-concealment-s.onnx
mkdir -p "$OUT"
bash scripts/build-cuda.sh
X="dotnet artifacts/xray-cuda/xray.dll"
{ nvidia-smi -L || true; nproc; } | tee "$OUT/machine.txt"
$X synth --kind baggage --count 300 --seed 9400 --no-raw --out "$OUT/baggage" > /dev/null
$X synth --kind cargo --count 3 --seed 9401 --threat-rate 1 --out "$OUT/cargo" > /dev/null
for dev in cpu cuda; do
  $X bench --model "$M" --repeat 5 --device "$dev" | tee "$OUT/bench-$dev.txt"
  $X bench --model "$M" --repeat 1 --throughput 300 --scan "$OUT/baggage/images" --device "$dev" | tee "$OUT/throughput-$dev.txt"
  for set in baggage cargo; do
    src="$OUT/$set/images"; [ "$set" = cargo ] && src="$OUT/$set/raw"
    /usr/bin/time -f "%e s wall" $X detect "$src" --model "$M" --out "$OUT/detect-$set-$dev" --device "$dev" 2>&1 | tee "$OUT/detect-$set-$dev.txt"
  done
  $X volume sample-images/ct/volumes/ct_00000.mhd --model "$M" --out "$OUT/ct-$dev" --device "$dev" | tee "$OUT/ct-$dev.txt"
done
/usr/bin/python3 - "$OUT" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
for s in ("baggage", "cargo"):
    worst_score = worst_box = 0.0; differ = 0; n = 0
    for a in glob.glob(f"{out}/detect-{s}-cpu/results/*.json"):
        da = json.load(open(a))["detections"]; db = json.load(open(a.replace("-cpu/", "-cuda/")))["detections"]
        n += 1
        if len(da) != len(db) or any(x["class_id"] != y["class_id"] for x, y in zip(da, db)):
            differ += 1; continue
        for x, y in zip(da, db):
            worst_score = max(worst_score, abs(x["score"] - y["score"]))
            worst_box = max(worst_box, *(abs(x[k] - y[k]) for k in ("x1", "y1", "x2", "y2")))
    print(f"{s}: {n} scans, {differ} with a different box list; max score diff {worst_score:.2e}, max box diff {worst_box:.3f} px")
PY
