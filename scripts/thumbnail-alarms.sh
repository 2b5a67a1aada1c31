#!/usr/bin/env bash
# Measures how often the bundled model alarms (a box at or above its operating threshold) on random-noise pictures of
# 32, 64 and 128 px, with the whole-picture upscale cap off (1000x) and at its default (2x).
# Needs python3-numpy and python3-opencv (Debian) for the noise pictures. Usage: bash scripts/thumbnail-alarms.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$tmp" "$n" <<'PY'
import sys, numpy as np, cv2
out, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
for s in (32, 64, 128):
    for i in range(n):
        cv2.imwrite(f"{out}/n{s}_{i:04d}.png", rng.integers(0, 256, (s, s, 3), dtype=np.uint8))
PY
dotnet build src/XrayAnalysis.Cli -c Release -v quiet -nologo >/dev/null
for up in 1000 2; do
  for s in 32 64 128; do
    dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll detect "$tmp/n${s}_*.png" --model models/xray-concealment-s.onnx \
      --out "$tmp/o_${up}_$s" --max-upscale "$up" >/dev/null 2>&1 || true
    alarms=$(grep -L '"detections": \[\]' "$tmp/o_${up}_$s"/results/*.json | wc -l)
    echo "max-upscale ${up}: ${s}x${s} noise, alarms ${alarms}/${n}"
  done
done
