#!/usr/bin/env bash
# One command: synthesise the training data with `xray synth`, pack it to the model input (pack.py), train, export
# models/xray-concealment-s.onnx (+ .npz weights, parity fixture) and re-pin its SHA-256 in models/models.json.
#
# On a CUDA machine (TRAIN_DEVICE=cuda, or auto when PyTorch sees a GPU) it runs the bundled model's two stages exactly:
# 56 epochs from scratch (lr 0.003), then 70 epochs from those weights (lr 0.002), batch 32, each with one warm-up
# epoch. On CPU the first stage alone runs, its epoch count fitted into TIME_BUDGET seconds (default 3600).
# Needs the distribution's PyTorch and OpenCV: python3-torch python3-onnx python3-opencv (installed below if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
source models/training/prereqs.sh
data=models/training/data
packed=$data/packed
dotnet build src/XrayAnalysis.Cli -c Release -v quiet -nologo >/dev/null
xray="dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll"
# Training seeds 1100-1106, validation 2100-2104; held-out test sets in the model card use 3100+ and 4100+.
# A folder is reused when it already holds a finished set (xray synth is deterministic: same arguments, same bytes).
synth() { local out=$1; shift; [ -f "$out/annotations.coco.json" ] || $xray synth "$@" --out "$out"; }
synth $data/train-mail     --kind mail    --count 800  --seed 1100 --varied --no-raw
synth $data/train-express  --kind express --count 800  --seed 1101 --varied --no-raw
synth $data/train-baggage  --kind baggage --count 1000 --seed 1102 --varied --no-raw
synth $data/train-ct       --kind ct      --count 24   --seed 1103 --no-slices --slice-step 8
synth $data/train-cargo    --kind cargo   --count 10   --seed 1104 --varied --no-raw --threat-rate 0.8
synth $data/train-ct2      --kind ct      --count 60   --seed 1105 --no-slices --slice-step 4 --threat-rate 1
synth $data/train-cargo2   --kind cargo   --count 24   --seed 1106 --varied --no-raw --threat-rate 1
synth $data/val-baggage    --kind baggage --count 100  --seed 2100 --varied --no-raw
synth $data/val-mail       --kind mail    --count 100  --seed 2101 --varied --no-raw
synth $data/val-ct         --kind ct      --count 3    --seed 2102 --no-slices --slice-step 8
synth $data/val-express    --kind express --count 100  --seed 2103 --varied --no-raw
synth $data/val-cargo      --kind cargo   --count 2    --seed 2104 --varied --no-raw --threat-rate 1
pack() { local set=$1; shift; [ -f "$packed/$set/labels.json" ] || $PY models/training/pack.py --set "$data/$set" --out "$packed/$set" "$@"; }
for s in train-mail train-express train-baggage; do pack $s --quality 85; done
pack train-ct --quality 85 --clean-share 0.15
pack train-ct2 --quality 85 --clean-share 0.05
pack train-cargo --tiles --quality 85
pack train-cargo2 --tiles --quality 85
for s in val-mail val-express val-baggage val-ct; do pack $s --quality 90; done
pack val-cargo --tiles --quality 90
TRAIN="$packed/train-mail $packed/train-express $packed/train-baggage $packed/train-cargo $packed/train-cargo2 $packed/train-ct $packed/train-ct2"
VAL="$packed/val-mail $packed/val-express $packed/val-baggage $packed/val-cargo $packed/val-ct"
DEVICE=${TRAIN_DEVICE:-auto}
if [ "$DEVICE" = auto ]; then DEVICE=$($PY -c "import torch; print('cuda' if torch.cuda.is_available() else 'cpu')"); fi
stage=$data/stage
mkdir -p $stage
common=(--batch 32 --val-every 5 --warmup-epochs 1 --device "$DEVICE" --threads "$(nproc)" --no-export)
if [ "$DEVICE" = cuda ]; then
  $PY models/training/train.py --data $TRAIN --val $VAL "${common[@]}" --epochs 56 --lr 0.003 --out $stage/stage1.onnx --log $stage/stage1.json
  $PY models/training/train.py --data $TRAIN --val $VAL "${common[@]}" --epochs 70 --lr 0.002 --init $stage/stage1.npz --out $stage/stage2.onnx --log models/training/train-log.json
  weights=$stage/stage2.npz
else
  $PY models/training/train.py --data $TRAIN --val $VAL "${common[@]}" --epochs 400 --time-budget "${TIME_BUDGET:-3600}" --lr 0.003 --out $stage/cpu.onnx --log models/training/train-log.json
  weights=$stage/cpu.npz
fi
# Export with the bundled model's description, move the parity fixture into place and re-pin the hash.
$PY models/training/train.py --export-from $weights --out models/xray-concealment-s.onnx \
  --description "XrayAnalysis reference concealment detector (synthetic data only)"
cp $weights models/xray-concealment-s.npz
rm -rf models/training/parity && mv models/xray-concealment-s.parity models/training/parity
sha=$(sha256sum models/xray-concealment-s.onnx | cut -d' ' -f1)
$PY - "$sha" <<'PY'
import json, sys
p = "models/models.json"
m = json.load(open(p))
m["models"][0]["sha256"] = sys.argv[1]
open(p, "w").write(json.dumps(m, indent=2) + "\n")
PY
echo "models/xray-concealment-s.onnx: sha256 $sha pinned in models/models.json; run models/training/evaluate.sh for the card's figures"
