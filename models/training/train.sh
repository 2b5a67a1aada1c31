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
EPOCHS=${EPOCHS:-30}
data=models/training/data
dotnet build src/XrayAnalysis.Cli -c Release -v quiet -nologo >/dev/null
xray="dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll"
# Training seeds 1000-1002, validation seed 2000; the held-out test set in the model card uses seeds 3000+.
$xray synth --kind mail    --count "$N" --seed 1000 --out $data/train-mail
$xray synth --kind express --count "$N" --seed 1001 --out $data/train-express
$xray synth --kind baggage --count "$N" --seed 1002 --out $data/train-baggage
$xray synth --kind baggage --count 60 --seed 2000 --out $data/val-baggage
$xray synth --kind mail    --count 60 --seed 2001 --out $data/val-mail
/usr/bin/python3 models/training/train.py --data $data/train-mail $data/train-express $data/train-baggage \
  --val $data/val-baggage $data/val-mail --epochs "$EPOCHS" --out models/xray-concealment-s.onnx --log models/training/train-log.json
