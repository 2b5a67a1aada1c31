#!/usr/bin/env bash
# Times `xray eval` on issue 17's case: 5,000 images / 50,000 detections as COCO files (written by a deterministic
# generator below), wall time including process start and loading; with plots, with --no-plots, and with
# --target-far 0.05. When pycocotools can be imported (never committed; e.g. built from source into a local venv and
# given as PYTHON=...), it is timed on the same files and its 12 stats are compared with ours.
#   bash scripts/bench-eval.sh [RUNS, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
PY=${PYTHON:-/usr/bin/python3}
dir=artifacts/bench-eval
mkdir -p "$dir"
/usr/bin/python3 - "$dir" <<'PY'
import json, random, sys
out = sys.argv[1]
r = random.Random(11)
images, anns, dets = [], [], []
for i in range(1, 5001):
    images.append({"id": i, "file_name": f"s{i}.png", "width": 1024, "height": 768})
    for _ in range(r.randrange(0, 3)):
        x, y, w, h = r.randrange(900), r.randrange(650), 20 + r.randrange(100), 20 + r.randrange(100)
        c = 1 + r.randrange(3)
        anns.append({"id": len(anns) + 1, "image_id": i, "category_id": c, "bbox": [x, y, w, h], "area": w * h, "iscrowd": 0})
        dets.append({"image_id": i, "category_id": c, "bbox": [x + r.randrange(-8, 8), y + r.randrange(-8, 8), w, h], "score": round(r.random(), 6)})
    while len(dets) < i * 10:
        dets.append({"image_id": i, "category_id": 1 + r.randrange(3), "bbox": [r.randrange(900), r.randrange(650), 20 + r.randrange(100), 20 + r.randrange(100)], "score": round(r.random() * 0.6, 6)})
cats = [{"id": 1, "name": "narcotics_brick"}, {"id": 2, "name": "narcotics_packet"}, {"id": 3, "name": "tablet_cluster"}]
json.dump({"images": images, "annotations": anns, "categories": cats}, open(f"{out}/gt.json", "w"))
json.dump(dets, open(f"{out}/dt.json", "w"))
print(f"case: {len(images)} images, {len(anns)} annotations, {len(dets)} detections")
PY
dotnet build src/XrayAnalysis.Cli -c Release -v quiet -nologo >/dev/null
xray="dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll"
t() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); awk -v d=$((e - s)) 'BEGIN { printf "%.3f", d / 1e9 }'; }
for variant in "plots:" "no-plots:--no-plots" "target-far:--no-plots --target-far 0.05" "target-far+plots:--target-far 0.05"; do
  name=${variant%%:*}; args=${variant#*:}
  times=()
  for _ in $(seq "$runs"); do times+=("$(t $xray eval --gt "$dir/gt.json" --pred "$dir/dt.json" --out "$dir/out-$name" $args)"); done
  echo "xray eval ($name): ${times[*]} s"
done
if $PY -c "import pycocotools" 2>/dev/null; then
  times=()
  for _ in $(seq "$runs"); do
    times+=("$(t $PY -c "
from pycocotools.coco import COCO; from pycocotools.cocoeval import COCOeval
g = COCO('$dir/gt.json'); d = g.loadRes('$dir/dt.json'); e = COCOeval(g, d, 'bbox'); e.evaluate(); e.accumulate(); e.summarize()")")
  done
  echo "pycocotools: ${times[*]} s"
else
  echo "pycocotools: not importable with $PY (not on PyPI here; build it from source into a venv and set PYTHON)"
fi
