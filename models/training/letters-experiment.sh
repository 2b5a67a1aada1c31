#!/usr/bin/env bash
# An experiment (2026-11-26; model card, "Which concealments it misses"): does showing the model more blotters and thin
# layers in letters lift them above the benign clutter? The bundled model finds 0 of 20 in the test sets at its
# threshold, though it sees all 20 at 0.1.
# Needs train.sh's packed sets, fresh-mail (seed 1110) among them; made here when missing. The run recorded in the card
# was with version 2 and JPEG q 85 packs; train.sh now packs WebP q 85. The mail scenes of fresh-mail that hold a letter
# threat (found by their concealment tag) form a subset given three times, beside train-mail, fresh-mail,
# train-express and train-baggage; 5 epochs from the bundled weights at lr 0.0005 (about 12 minutes on 2 cores).
# Then: test-mail and the three test routes at a matched FAR (xray eval --target-far 0.05), bundled model first; both
# models one pass per scan (--tta off, as the run in the card; TTA=flip to compare both with the test-time flip).
#   bash models/training/letters-experiment.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-models/training/eval-out/letters}
PY=${PYTHON:-/usr/bin/python3}
source models/training/cpu-malloc.sh
data=models/training/data
packed=$data/packed3
[ -f "$packed/fresh-mail/labels.json" ] || PACK_ONLY=1 bash models/training/train.sh
dotnet build src/XrayAnalysis.Cli -c Release -v quiet -nologo >/dev/null
xray() { dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll "$@"; }
mkdir -p "$out"
# The same 600 scenes as fresh-mail (xray synth is deterministic), made again for their concealment tags.
[ -f "$out/fresh-mail/annotations.coco.json" ] || xray synth --kind mail --count 600 --seed 1110 --varied --no-raw --out "$out/fresh-mail" >/dev/null
$PY - "$out/fresh-mail/annotations.coco.json" "$packed/fresh-mail" "$packed/letters-1110" <<'PY'
import json, os, sys
coco, src, dst = sys.argv[1:]
d = json.load(open(coco))
names = {i["id"]: i["file_name"] for i in d["images"]}
letters = {names[a["image_id"]] for a in d["annotations"] if a.get("concealment") == "letter"}
keep = [r for r in json.load(open(os.path.join(src, "labels.json"))) if r["source"] in letters]
os.makedirs(os.path.join(dst, "images"), exist_ok=True)
for r in keep:
    link = os.path.join(dst, "images", r["file"])
    if not os.path.exists(link):
        os.symlink(os.path.abspath(os.path.join(src, "images", r["file"])), link)
json.dump(keep, open(os.path.join(dst, "labels.json"), "w"))
print(f"{len(keep)} of {len(d['images'])} fresh-mail scenes hold a letter threat -> {dst}")
PY
p=$packed
[ -f "$out/letters.onnx" ] || "${CPU_MALLOC[@]}" $PY models/training/train.py --init models/xray-concealment-s.npz \
  --data $p/train-mail $p/fresh-mail $p/letters-1110 $p/letters-1110 $p/letters-1110 $p/train-express $p/train-baggage \
  --val $p/val-mail $p/val-express $p/val-baggage --epochs 5 --warmup-epochs 1 --lr 0.0005 --batch 32 --seed 5 --threads 2 \
  --out "$out/letters.onnx" --log "$out/log.json" --description "letters fine-tune experiment"
for model in models/xray-concealment-s.onnx "$out/letters.onnx"; do
  name=$(basename "$model" .onnx)
  echo "== $model"
  xray eval --model "$model" --data $data/test-mail --iou 0.45 --tta "${TTA:-off}" --target-far 0.05 --no-plots --out "$out/mail-$name" | head -1
  grep -E "^\| letter " "$out/mail-$name/report.md"
  xray eval --model "$model" --data $data/test-mail $data/test-express $data/test-baggage --iou 0.45 --tta "${TTA:-off}" --target-far 0.05 --no-plots --out "$out/test2d-$name" | head -1
done
