#!/usr/bin/env bash
# `xray detect` against the same job written in Python (issue 17): 300 rendered 1024x768 baggage scans, the bundled
# model, side by side in one run. Peers (benchmarks/python/peer_pipeline.py): cv2.imread + letterbox + OpenCV DNN
# (Debian's python3-opencv 4.6, model folded by fold_for_cv2.py), batch 1; and the same with PyTorch (Debian's
# python3-torch) running the network from the same weights, batch 4. Each writes one JSON per scan; the boxes are
# compared with xray's. Prints scans/s, CPU use and the ratios.   bash scripts/bench-peers.sh [ROUNDS, default 2]
# xray runs with --tta off: the peers make one pass per scan, as a Python user would, so both sides do the same work
# (the bundled profile's test-time flip doubles the inference; docs/BENCHMARKS.md measures it on its own).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
W=${WORK:-/tmp/xray-bench-peers}
X="dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll"
M=models/xray-concealment-s.onnx
PY=/usr/bin/python3
[ -f src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll ] || dotnet build XrayAnalysis.sln -c Release -v quiet -nologo
mkdir -p "$W"
[ -d "$W/scans/images" ] || $X synth --kind baggage --count 300 --seed 9500 --no-raw --out "$W/scans" > /dev/null
$PY benchmarks/python/fold_for_cv2.py "$M" "$W/folded.onnx" > /dev/null
# Timed with /usr/bin/time: wall and CPU of the whole process (start-up, model load and every write included).
run() { local name=$1; shift; rm -rf "$W/out-$name"; /usr/bin/time -f "%e %P" -o "$W/time-$name" "$@" > "$W/log-$name" 2>&1; read -r wall cpu < "$W/time-$name"; echo "$wall $cpu"; }
for r in $(seq "$ROUNDS"); do
  read -r xw xc < <(run xray $X detect "$W/scans/images" --model "$M" --tta off --out "$W/out-xray")
  read -r cw cc < <(run cv2 $PY benchmarks/python/peer_pipeline.py --engine cv2dnn --model "$W/folded.onnx" --images "$W/scans/images" --out "$W/out-cv2")
  read -r tw tc < <(run torch $PY benchmarks/python/peer_pipeline.py --engine torch --weights models/xray-concealment-s.npz --batch 4 --images "$W/scans/images" --out "$W/out-torch")
  $PY - "$xw" "$cw" "$tw" "$xc" "$cc" "$tc" "$r" <<'PY'
import sys
xw, cw, tw = map(float, sys.argv[1:4]); xc, cc, tc = sys.argv[4:7]; r = sys.argv[7]
print(f"round {r}: xray detect {300/xw:.1f} scans/s ({xw:.2f} s, CPU {xc}) | cv2.dnn {300/cw:.1f} ({cw:.2f} s, CPU {cc}) | torch batch 4 {300/tw:.1f} ({tw:.2f} s, CPU {tc}) | xray / cv2.dnn {cw/xw:.2f}x, xray / torch {tw/xw:.2f}x")
PY
done
# Same boxes? Each xray box matched to the peer's box of the same class with the highest IoU.
$PY - "$W" <<'PY'
import glob, json, os, sys
w = sys.argv[1]
def iou(a, b):
    ix = max(0, min(a["x2"], b["x2"]) - max(a["x1"], b["x1"])); iy = max(0, min(a["y2"], b["y2"]) - max(a["y1"], b["y1"]))
    i = ix * iy; u = (a["x2"]-a["x1"])*(a["y2"]-a["y1"]) + (b["x2"]-b["x1"])*(b["y2"]-b["y1"]) - i
    return i / u if u > 0 else 0
for peer in ("cv2", "torch"):
    n = same = 0; worst = 1.0; extra = 0
    for f in glob.glob(f"{w}/out-xray/results/*.json"):
        xs = json.load(open(f))["detections"]
        ps = json.load(open(f"{w}/out-{peer}/" + os.path.basename(f)))["detections"]
        extra += abs(len(xs) - len(ps))
        for d in xs:
            n += 1
            best = max((iou(d, p) for p in ps if p["class_id"] == d["class_id"]), default=0)
            worst = min(worst, best)
    print(f"boxes: xray {n}; {peer}: count difference {extra}, min IoU of matched boxes {worst:.5f}")
PY
