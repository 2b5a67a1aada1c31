#!/usr/bin/env bash
# Do thumbnails alarm where the full scan does not? (issue 16; model card, "Thumbnails"). 60 clean scenes per route
# (xray synth --threat-rate 0 --seed 9400, standard look, a seed used nowhere else), each written at full size and
# shrunk (area interpolation) to 50, 35, 20, 10 and 5 %, all through xray detect with the model, first with the
# profile's minimum side (MIN_SIDE unset) and then with --min-side 32, the default for models without one. Per scale:
# pictures rejected as too small to screen, clean scans alarming (a detection at or above the operating threshold, or
# unable to clear), and of those, how many do not alarm at full size.
#   bash models/training/thumbnail-check.sh [MODEL] [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:-models/xray-concealment-s.onnx}
out=${2:-models/training/eval-out/thumbnails}
PY=${PYTHON:-/usr/bin/python3}
dotnet build src/XrayAnalysis.Cli -c Release -v quiet -nologo >/dev/null
xray() { dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll "$@"; }
mkdir -p "$out/in"
for r in mail express baggage; do
  [ -f "$out/$r/annotations.coco.json" ] || xray synth --kind $r --count 60 --seed 9400 --threat-rate 0 --no-raw --out "$out/$r" >/dev/null
done
$PY - "$out" <<'PY'
import cv2, glob, os, sys
out = sys.argv[1]
for f in sorted(glob.glob(os.path.join(out, "*", "images", "*.png"))):
    im = cv2.imread(f)
    stem = os.path.splitext(os.path.basename(f))[0]
    cv2.imwrite(os.path.join(out, "in", f"{stem}_t100.png"), im)
    for s in (0.5, 0.35, 0.2, 0.1, 0.05):
        size = (max(2, int(im.shape[1] * s)), max(2, int(im.shape[0] * s)))
        cv2.imwrite(os.path.join(out, "in", f"{stem}_t{int(s * 100)}.png"), cv2.resize(im, size, interpolation=cv2.INTER_AREA))
PY
thr=$($PY -c "import json,sys; m=[e for e in json.load(open('models/models.json'))['models'] if e['file']==sys.argv[1]]; print(m[0]['operating_threshold'] if m else 0.5)" "$(basename "$model")")
for run in profile min32; do
  extra=(); [ $run = min32 ] && extra=(--min-side 32)
  rm -rf "$out/$run"
  xray detect "$out/in" --model "$model" "${extra[@]}" --out "$out/$run" >/dev/null 2>&1 || true
  echo "== $model, minimum side: $run, alarm threshold $thr"
  $PY - "$out/$run" "$thr" <<'PY'
import collections, glob, json, os, sys
res, thr = sys.argv[1], float(sys.argv[2])
alarm, rejected, n = collections.defaultdict(set), collections.Counter(), collections.Counter()
for f in glob.glob(os.path.join(res, "results", "*.json")):
    d = json.load(open(f))
    stem, scale = os.path.basename(f)[:-5].rsplit("_t", 1)
    n[scale] += 1
    if d["status"] != "ok":
        rejected[scale] += 1
    elif d.get("unable_to_clear") or any(x["score"] >= thr for x in d.get("detections") or []):
        alarm[scale].add(stem)
print("| scale | pictures | rejected as too small | clean scans alarming | of which quiet at full size |")
print("|---|---|---|---|---|")
for s in ["100", "50", "35", "20", "10", "5"]:
    print(f"| {s} % | {n[s]} | {rejected[s]} | {len(alarm[s])} | {len(alarm[s] - alarm['100'])} |")
PY
done
