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
# One run per screening route (config/routes.json: each route's model, alarm threshold, tiling, overlay and shield
# settings), each into out/demo/ROUTE/. The exit code is the worst of the five (0 all ok, 1 some input not ok, ...).
worst=0
for pair in mail:sample-images/mail/raw express:sample-images/express/raw baggage:sample-images/baggage/raw \
            cargo:sample-images/cargo/images ct:sample-images/ct/images; do
  route=${pair%%:*}; input=${pair#*:}
  echo "== route $route: $input"
  set +e
  dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll detect "$input" --route "$route" --out "$out/$route" --overlay "$@"
  code=$?
  set -e
  [ "$code" -gt "$worst" ] && worst=$code
  echo
done
echo "== CT volume: slices fused into 3D regions with the bundled CT model (models/xray-concealment-ct.md)"
set +e
dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll volume sample-images/ct/volumes/*.mhd --model models/xray-concealment-ct.onnx --out "$out/ct-volume"
code=$?
set -e
[ "$code" -gt "$worst" ] && worst=$code
echo
echo "== review page of all routes (ground truth: the sample sets' annotations)"
dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll review "$out" --ground-truth sample-images/*/annotations.coco.json || worst=4
echo
echo "Results per route: $out/ROUTE/results/*.json, detections.coco.json, summary.csv; overlays: $out/ROUTE/overlays/*.png (transparent layers in overlays/layers/)"
echo "CT volume: $out/ct-volume/results/*.json (3D regions), pictures in $out/ct-volume/pictures/"
echo "Review page (open in a browser, works from file://): $out/review/index.html"
exit $worst
