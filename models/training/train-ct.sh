#!/usr/bin/env bash
# One command for the CT slice detector (models/xray-concealment-ct.onnx, issue 16 target 5): synthesise CT volumes
# with `xray synth --kind ct`, pack their axial slices losslessly (pack.py --format png: the volume pipeline never
# JPEG-compresses a slice), fine-tune the bundled 2D detector's weights on them with train.py --ct (geometry lightly
# augmented, grey level never: it is calibrated attenuation), export with the CT model's description, move the parity
# fixture into place and re-pin the hash in models/models.json. Then `bash models/training/ct-eval.sh` gives the card's
# figures.
#
# Same architecture, input and output as xray-concealment-s, so the same speed. TIME_BUDGET (seconds, default 2700)
# bounds the training: the bundled model's run on the 2-core build machine fitted 17 epochs into 2,700 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
source models/training/prereqs.sh
data=models/training/data
packed=$data/packed-ct
dotnet build src/XrayAnalysis.Cli -c Release -v quiet -nologo >/dev/null
xray="dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll"
# Seeds: training 1107, slice validation 2105 (neither used by any other set); volume validation and test sets are
# ct-eval.sh's (2106, 4101, 2110).
[ -f $data/train-ct3/annotations.coco.json ] || $xray synth --kind ct --count 320 --seed 1107 --no-slices --slice-step 2 --threat-rate 0.6 --out $data/train-ct3
[ -f $data/val-ct2/annotations.coco.json ] || $xray synth --kind ct --count 16 --seed 2105 --no-slices --slice-step 4 --threat-rate 0.75 --out $data/val-ct2
rm -rf $data/train-ct3/volumes  # 5 GB of voxels the slices were rendered from; not needed for training
[ -f $packed/train-ct3/labels.json ] || $PY models/training/pack.py --set $data/train-ct3 --out $packed/train-ct3 --format png --clean-share 0.12
[ -f $packed/val-ct2/labels.json ] || $PY models/training/pack.py --set $data/val-ct2 --out $packed/val-ct2 --format png --clean-share 0.25
DEVICE=${TRAIN_DEVICE:-auto}
if [ "$DEVICE" = auto ]; then DEVICE=$($PY -c "import torch; print('cuda' if torch.cuda.is_available() else 'cpu')"); fi
stage=$data/ct-stage
mkdir -p $stage
"${CPU_MALLOC[@]}" $PY models/training/train.py --data $packed/train-ct3 --val $packed/val-ct2 --init models/xray-concealment-s.npz --ct \
  --batch 32 --lr 0.001 --epochs 100 --time-budget "${TIME_BUDGET:-2700}" --device "$DEVICE" --threads "$(nproc)" \
  --no-export --out $stage/ct.onnx --log models/training/train-ct-log.json
description="XrayAnalysis reference CT slice detector (synthetic data only)"
$PY models/training/train.py --export-from $stage/ct.npz --out models/xray-concealment-ct.onnx --description "$description"
cp $stage/ct.npz models/xray-concealment-ct.npz
rm -rf models/training/parity-ct && mv models/xray-concealment-ct.parity models/training/parity-ct
sha=$(sha256sum models/xray-concealment-ct.onnx | cut -d' ' -f1)
$PY - "$sha" <<'PY'
import json, sys
p = "models/models.json"
m = json.load(open(p))
entry = next(e for e in m["models"] if e["file"] == "xray-concealment-ct.onnx")
entry["sha256"] = sys.argv[1]
open(p, "w").write(json.dumps(m, indent=2) + "\n")
PY
echo "models/xray-concealment-ct.onnx: sha256 $sha pinned in models/models.json; run models/training/ct-eval.sh for the card's figures"
