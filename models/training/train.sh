#!/usr/bin/env bash
# One command: synthesise the training data with `xray synth`, pack it to the model input (pack.py, WebP), train
# (fit.sh), export models/xray-concealment-s.onnx (+ .npz weights, parity fixture), re-pin its SHA-256 in
# models/models.json and choose its thresholds on validation (calibrate.sh: the profile's and the routes').
#
# On a CUDA machine (TRAIN_DEVICE=cuda, or auto when PyTorch sees a GPU) it runs the bundled model's recipe (fit.sh:
# the "m" network, five stages, about 20 minutes on one H200). On CPU it refuses unless ALLOW_CPU=1: the m network
# trained at 125-138 s an epoch of 2,200 inputs on 2 cores (tip-finetune.sh), so fit.sh's 87 epochs of 9,791 inputs
# and 111 of 12,437 would take about 37 hours at that rate, or half that under cpu-malloc.sh (estimates, not runs).
# PACK_ONLY=1 stops after packing: copy models/training/data/packed3 (57 MB; a .tar.gz of it travels best) to a GPU
# machine and run fit.sh there, then TRAIN_WEIGHTS=stage5.npz bash train.sh exports them here (the bundled version 4
# was made so; the model card gives the commands).
# Needs the distribution's PyTorch and OpenCV: python3-torch python3-onnx python3-opencv (installed below if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
source models/training/prereqs.sh
data=models/training/data
packed=$data/packed3
dotnet build src/XrayAnalysis.Cli -c Release -v quiet -nologo >/dev/null
xray="dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll"
# Training seeds 1100-1106, 1110-1115 and 1120-1122, validation 2100-2104; held-out test sets in the model card use
# 3100+ and 4100+.
# A folder is reused when it already holds a finished set (xray synth is deterministic: same arguments, same bytes).
synth() { local out=$1; shift; [ -f "$out/annotations.coco.json" ] || $xray synth "$@" --out "$out"; }
synth $data/train-mail     --kind mail    --count 800  --seed 1100 --varied --no-raw
synth $data/train-express  --kind express --count 800  --seed 1101 --varied --no-raw
synth $data/train-baggage  --kind baggage --count 1000 --seed 1102 --varied --no-raw
synth $data/train-ct       --kind ct      --count 24   --seed 1103 --no-slices --slice-step 8
synth $data/train-cargo    --kind cargo   --count 10   --seed 1104 --varied --no-raw --threat-rate 0.8
synth $data/train-ct2      --kind ct      --count 60   --seed 1105 --no-slices --slice-step 4 --threat-rate 1
synth $data/train-cargo2   --kind cargo   --count 24   --seed 1106 --varied --no-raw --threat-rate 1
synth $data/fresh-mail     --kind mail    --count 600  --seed 1110 --varied --no-raw
synth $data/fresh-express  --kind express --count 600  --seed 1111 --varied --no-raw
synth $data/fresh-baggage  --kind baggage --count 800  --seed 1112 --varied --no-raw
# TIP composites: threats projected (xray synth --backgrounds) into clean scenes of each route, two per background,
# the backgrounds kept as negatives (pitch: the route's pixel size in mm, so projected threats have their real size).
for spec in baggage:200:1113:1 express:150:1114:1 mail:150:1115:0.6; do
  IFS=: read -r kind count seed pitch <<<"$spec"
  synth $data/tipbg-$kind --kind "$kind" --count "$count" --seed "$seed" --threat-rate 0
  synth $data/tip-$kind --backgrounds $data/tipbg-$kind/raw --per-background 2 --threats 1-2 --seed "$seed" --mm-per-pixel "$pitch"
done
synth $data/more-mail      --kind mail    --count 1200 --seed 1120 --varied --no-raw
synth $data/more-express   --kind express --count 800  --seed 1121 --varied --no-raw
synth $data/more-baggage   --kind baggage --count 1000 --seed 1122 --varied --no-raw
# Stage 4 (version 4): heavier benign clutter (xray synth --clutter) and more trucks.
synth $data/clutter-mail    --kind mail    --count 1000 --seed 1130 --varied --no-raw --clutter 1.6
synth $data/clutter-baggage --kind baggage --count 800  --seed 1131 --varied --no-raw --clutter 2
synth $data/clutter-express --kind express --count 600  --seed 1132 --varied --no-raw --clutter 1.6
synth $data/more-cargo      --kind cargo   --count 30   --seed 1133 --varied --no-raw --threat-rate 1
synth $data/val-baggage    --kind baggage --count 100  --seed 2100 --varied --no-raw
synth $data/val-mail       --kind mail    --count 100  --seed 2101 --varied --no-raw
synth $data/val-ct         --kind ct      --count 3    --seed 2102 --no-slices --slice-step 8
synth $data/val-express    --kind express --count 100  --seed 2103 --varied --no-raw
synth $data/val-cargo      --kind cargo   --count 2    --seed 2104 --varied --no-raw --threat-rate 1
pack() { local set=$1; shift; [ -f "$packed/$set/labels.json" ] || $PY models/training/pack.py --set "$data/$set" --out "$packed/$set" --format webp --quality 85 "$@"; }
for s in train-mail train-express train-baggage fresh-mail fresh-express fresh-baggage tip-baggage tip-express tip-mail \
         more-mail more-express more-baggage clutter-mail clutter-express clutter-baggage val-mail val-express val-baggage val-ct; do pack $s; done
pack train-ct --clean-share 0.15
pack train-ct2 --clean-share 0.05
for s in train-cargo train-cargo2 more-cargo val-cargo; do pack $s --tiles; done
du -sh "$packed"
[ "${PACK_ONLY:-0}" = 1 ] && { echo "packed into $packed: run models/training/fit.sh there (see its header)"; exit 0; }
stage=$data/stage/v3
if [ -n "${TRAIN_WEIGHTS:-}" ]; then
  weights=$TRAIN_WEIGHTS
else
  DEVICE=${TRAIN_DEVICE:-auto}
  if [ "$DEVICE" = auto ]; then DEVICE=$($PY -c "import torch; print('cuda' if torch.cuda.is_available() else 'cpu')"); fi
  if [ "$DEVICE" = cpu ] && [ "${ALLOW_CPU:-0}" != 1 ]; then
    echo "no CUDA GPU: fit.sh's 198 epochs would take about a day on 2 CPU cores; run fit.sh on a GPU machine (PACK_ONLY=1, see train.sh's header) or set ALLOW_CPU=1" >&2
    exit 2
  fi
  DEVICE=$DEVICE PY=$PY bash models/training/fit.sh "$packed" $stage
  weights=$stage/stage5.npz
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
echo "models/xray-concealment-s.onnx: sha256 $sha pinned in models/models.json"
# The operating thresholds (with and without the test-time flip) and the routes' alarm thresholds, chosen on validation.
bash models/training/calibrate.sh
echo "run models/training/evaluate.sh for the card's figures"
