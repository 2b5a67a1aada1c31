#!/usr/bin/env bash
# Fine-tune the bundled model on a TIP dataset and measure it on held-out backgrounds of the same kind (issue 16).
# Stand-in for a customs service's cleared scans: clean synthetic baggage scenes (seeds 9200 train, 9300 validation;
# the held-out test backgrounds are tip-eval.sh's seed 9100). Threats are projected with xray synth --backgrounds;
# training mixes the TIP set (twice, so it weighs as much as the standard set) with the original baggage training set
# (no forgetting), starts from the bundled weights with the backbone frozen (neck and head adapt; the features the
# model learnt stay), and keeps the epoch that is best on TIP validation alone. About 15 minutes on 2 CPU cores; set
# TRAIN_DEVICE=cuda on a GPU machine. EPOCHS, LR and FREEZE (1/0) override the recipe; BG_ARGS adds xray synth options
# to the backgrounds (e.g. BG_ARGS="--clutter 2" for a kind of bag the model was not trained on).
#   bash models/training/tip-finetune.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-models/training/eval-out/finetune}
PY=${PYTHON:-/usr/bin/python3}
dotnet build src/XrayAnalysis.Cli -c Release -v quiet -nologo >/dev/null
xray() { dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll "$@"; }
mkdir -p "$out"
[ -f "$out/bg-train/annotations.coco.json" ] || xray synth --kind baggage --count 200 --seed 9200 --threat-rate 0 ${BG_ARGS:-} --out "$out/bg-train" >/dev/null
[ -f "$out/bg-val/annotations.coco.json" ] || xray synth --kind baggage --count 40 --seed 9300 --threat-rate 0 ${BG_ARGS:-} --out "$out/bg-val" >/dev/null
xray synth --backgrounds "$out/bg-train/raw" --out "$out/tip-train" --per-background 2 --threats 1-2 --seed 9200
xray synth --backgrounds "$out/bg-val/raw" --out "$out/tip-val" --per-background 1 --threats 1 --seed 9300
$PY models/training/pack.py --set "$out/tip-train" --out "$out/packed/tip-train" --quality 85
$PY models/training/pack.py --set "$out/tip-val" --out "$out/packed/tip-val" --quality 85
# The original baggage sets, made and packed exactly as train.sh makes them (reused when train.sh already did).
data=models/training/data
for spec in train-baggage:1000:1102 val-baggage:100:2100; do
  IFS=: read -r set count seed <<<"$spec"
  [ -f "$data/$set/annotations.coco.json" ] || xray synth --kind baggage --count "$count" --seed "$seed" --varied --no-raw --out "$data/$set"
  [ -f "$data/packed/$set/labels.json" ] || $PY models/training/pack.py --set "$data/$set" --out "$data/packed/$set" --quality 85
done
freeze=(); [ "${FREEZE:-1}" = 1 ] && freeze=(--freeze-backbone)
$PY models/training/train.py --init models/xray-concealment-s.npz "${freeze[@]}" \
  --data "$out/packed/tip-train" "$out/packed/tip-train" models/training/data/packed/train-baggage \
  --val "$out/packed/tip-val" \
  --epochs "${EPOCHS:-8}" --warmup-epochs 1 --lr "${LR:-0.001}" --batch 32 --seed 1 --device "${TRAIN_DEVICE:-auto}" \
  --out "$out/finetuned.onnx" --log "$out/finetune-log.json" \
  --description "XrayAnalysis concealment detector fine-tuned on a TIP set (models/training/tip-finetune.sh)"
# The standard baggage test set, made as evaluate.sh makes it (forgetting shows here).
[ -f "$data/test-baggage/annotations.coco.json" ] || xray synth --kind baggage --count 200 --seed 3102 --out "$data/test-baggage" >/dev/null
for model in models/xray-concealment-s.onnx "$out/finetuned.onnx"; do
  echo "== $model"
  bash models/training/tip-eval.sh "$model" "$out/tip-eval-$(basename "$model" .onnx)" | grep -A1 "baggage: threshold for FAR"
  xray eval --model "$model" --data models/training/data/test-baggage --out "$out/std-$(basename "$model" .onnx)" --iou "${IOU:-0.45}" --target-far 0.05 | grep mAP
done
