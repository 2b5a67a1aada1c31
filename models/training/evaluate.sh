#!/usr/bin/env bash
# Reproduces the model card's figures: makes the held-out test sets (seeds 3000+ and 4000, never used in training or
# validation), picks the operating threshold on the validation sets (target FAR 0.05), and evaluates with xray eval and
# xray volume. Outputs go to models/training/eval-out/.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/prereqs.sh
dotnet build src/XrayAnalysis.Cli -c Release -v quiet -nologo >/dev/null
xray="dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll"
model=${MODEL:-models/xray-concealment-s.onnx}
data=models/training/data
out=models/training/eval-out
synth() { local d=$1; shift; [ -f "$d/annotations.coco.json" ] || $xray synth "$@" --out "$d"; }
synth $data/test-mail    --kind mail    --count 150 --seed 3000
synth $data/test-express --kind express --count 150 --seed 3001
synth $data/test-baggage --kind baggage --count 200 --seed 3002
synth $data/test-ct      --kind ct      --count 10  --seed 4000 --no-slices --slice-step 8
synth $data/val-express  --kind express --count 60  --seed 2003

# NMS IoU and operating threshold: chosen on validation data only, never on the test set. NMS IoU 0.45 gave validation
# mAP@0.5 0.678 against 0.653 at 0.6 and 0.610 at Ultralytics' default 0.7; the threshold is the lowest with scan-level
# FAR <= 0.05 on validation.
iou=0.45
$xray eval --model "$model" --data $data/val-mail $data/val-express $data/val-baggage --iou $iou --target-far 0.05 --out $out/val | tee $out-val.txt
thr=$(python3 -c "import json;print(json.load(open('$out/val/report.json'))['screening']['threshold'])")
echo "operating threshold from validation: $thr"
$xray eval --model "$model" --data $data/test-mail $data/test-express $data/test-baggage --iou $iou --threshold "$thr" --out $out/test-2d
for r in mail express baggage; do $xray eval --model "$model" --data $data/test-$r --iou $iou --threshold "$thr" --out $out/test-$r; done
$xray eval --model "$model" --data $data/test-ct --iou $iou --threshold "$thr" --out $out/test-ct-slices
$xray volume $data/test-ct/volumes/*.mhd --model "$model" --iou $iou --conf "$thr" --out $out/test-ct-volumes --no-pictures
