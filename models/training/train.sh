#!/usr/bin/env bash
# One command: synthesise the training data with `xray synth`, train on CPU, export models/xray-concealment-s.onnx.
# Needs the distribution's PyTorch: apt-get install python3-torch python3-onnx python3-pil (installed below if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/prereqs.sh
for pkg in python3-torch python3-onnx python3-pil python3-numpy; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || NEED="${NEED:-} $pkg"
done
if [ -n "${NEED:-}" ]; then SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo; $SUDO apt-get update -qq; DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $NEED; fi
N=${TRAIN_COUNT:-400}
EPOCHS=${EPOCHS:-50}
data=models/training/data
dotnet build src/XrayAnalysis.Cli -c Release -v quiet -nologo >/dev/null
xray="dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll"
# Training seeds 1000-1003, validation seeds 2000-2002; the held-out test set in the model card uses seeds 3000+.
# A folder is reused when it already holds a finished set (xray synth is deterministic: same arguments, same bytes).
synth() { local out=$1; shift; [ -f "$out/annotations.coco.json" ] || $xray synth "$@" --out "$out"; }
synth $data/train-mail    --kind mail    --count "$N" --seed 1000
synth $data/train-express --kind express --count "$N" --seed 1001
synth $data/train-baggage --kind baggage --count "$N" --seed 1002
synth $data/train-ct      --kind ct      --count 16   --seed 1003 --no-slices --slice-step 8
synth $data/val-baggage   --kind baggage --count 60   --seed 2000
synth $data/val-mail      --kind mail    --count 60   --seed 2001
synth $data/val-ct        --kind ct      --count 2    --seed 2002 --no-slices --slice-step 8
/usr/bin/python3 models/training/train.py --data $data/train-mail $data/train-express $data/train-baggage $data/train-ct \
  --val $data/val-baggage $data/val-mail $data/val-ct --epochs "$EPOCHS" --out models/xray-concealment-s.onnx --log models/training/train-log.json
