#!/usr/bin/env bash
# The model card's per-route screening figures for the bundled 2D model on the held-out test sets of evaluate.sh
# (run that first: it makes models/training/data/test-mail, test-express, test-baggage):
#   1. each route as it runs in service (xray eval --route R: its model, alarm threshold, shield and tiling);
#   2. at a FAR matched on each test set, each run as its route (fill included), and on the three together, the
#      model alone (--target-far 0.05: a threshold chosen on the test set itself, for comparison only, never an
#      operating point).
# Prints one line per row with scan Pd and FAR and writes the reports to OUT (default models/training/eval-out/routes).
# TTA=off runs the model in one pass (the route thresholds were chosen with the flip).
#   bash models/training/route-check.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source models/training/cli.sh
data=models/training/data
out=${OUT:-models/training/eval-out/routes}
model=models/xray-concealment-s.onnx
tta=(); [ -z "${TTA:-}" ] || tta=(--tta "$TTA")
for r in mail express baggage; do
  [ -f $data/test-$r/annotations.coco.json ] || { echo "no $data/test-$r: run models/training/evaluate.sh first" >&2; exit 2; }
done
row() {  # NAME REPORT_DIR
  python3 - "$1" "$2/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))
s = r["screening"]
def rate(k): return f"{s[k]:.3f} ({s[k + '_counts'][0]}/{s[k + '_counts'][1]}) [{s[k + '_ci'][0]:.3f}, {s[k + '_ci'][1]:.3f}]"
print(f"{sys.argv[1]:<28} mAP@0.5 {r['coco']['AP50']:.3f}  t {s['threshold']:.4f}  Pd {rate('scan_pd')}  FAR {rate('scan_far')}")
PY
}
for r in mail express baggage; do
  $xray eval --route $r "${tta[@]}" --data $data/test-$r --no-plots --out $out/route-$r >/dev/null
  row "route $r" $out/route-$r
done
for r in mail express baggage; do
  $xray eval --route $r "${tta[@]}" --data $data/test-$r --target-far 0.05 --no-plots --out $out/matched-$r >/dev/null
  row "matched FAR, $r" $out/matched-$r
done
$xray eval --model $model "${tta[@]}" --data $data/test-mail $data/test-express $data/test-baggage --iou 0.45 --target-far 0.05 \
  --no-plots --out $out/matched-all >/dev/null
row "matched FAR, three routes" $out/matched-all
