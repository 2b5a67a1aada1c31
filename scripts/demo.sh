#!/usr/bin/env bash
# Quick start, command 1: runs `xray detect` with the bundled model over sample-images/ with overlays on.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prereqs.sh
model=models/xray-concealment-s.onnx
out=out/demo
if [ ! -f "$model" ]; then
  echo "xray: no bundled model at $model yet; nothing to detect with." >&2
  exit 3
fi
dotnet build src/XrayAnalysis.Cli -c Release -v quiet -nologo >/dev/null
set +e
# The dual-energy pairs of each 2D route and the cargo render. Confidence (the operating threshold, 0.84) and NMS IoU
# (0.45) come from the model's profile in models/models.json; each result JSON records them and their source.
dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll detect \
  sample-images/mail/raw sample-images/express/raw sample-images/baggage/raw sample-images/cargo/images \
  --model "$model" --out "$out" --overlay "$@"
code=$?
set -e
echo
echo "Results: $out/results/*.json, $out/detections.coco.json, $out/summary.csv; overlays: $out/overlays/*.png"
exit $code
