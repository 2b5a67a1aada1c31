#!/usr/bin/env bash
# Chooses the tile merge's grow ratio (xray detect --merge-grow-ratio; MergeOptions.GrowScoreRatio) on held-out
# validation trucks: 24 synthetic cargo scans (seed 2108, never in training or testing), detected at mAP's confidence
# floor of 0.001, merged with each ratio and with plain NMS, scored by xray eval. SET=DIR sweeps another COCO set
# (e.g. models/training/data/test-cargo24 to see the test set, after the choice). Prints a markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."
source models/training/cli.sh
model=${MODEL:-models/xray-concealment-s.onnx}
set_dir=${SET:-models/training/data/val-cargo24}
out=${OUT:-$(mktemp -d)}
[ -n "${SET:-}" ] || [ -f "$set_dir/annotations.coco.json" ] || $xray synth --kind cargo --count 24 --seed 2108 --no-raw --out "$set_dir" >/dev/null
echo "| merge | mAP@0.5:0.95 | mAP@0.5 |"
echo "|---|---|---|"
for m in 0 0.25 0.5 0.75 1 nms; do
  if [ "$m" = nms ]; then merge=(--merge nms); else merge=(--merge-grow-ratio "$m"); fi
  $xray detect "$set_dir/images" --model "$model" --iou 0.45 --conf 0.001 --no-shield "${merge[@]}" --out "$out/det-$m" >/dev/null
  $xray eval --gt "$set_dir/annotations.coco.json" --pred "$out/det-$m/detections.coco.json" --out "$out/eval-$m" --no-plots >/dev/null
  python3 -c "import json,sys;c=json.load(open(sys.argv[1]))['coco'];print(f\"| {sys.argv[2]} | {c['AP']:.3f} | {c['AP50']:.3f} |\")" "$out/eval-$m/report.json" "$m"
done
