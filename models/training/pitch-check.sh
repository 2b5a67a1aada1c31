#!/usr/bin/env bash
# The single-item routes and the scanner's pixel pitch (docs/ROUTES.md, "Tiling"): the first 60 held-out baggage scans
# (seed 3102) enlarged 2.625 times with OpenCV's cubic resize (a scanner with finer pixels), evaluated through the
# baggage route with the bundled route file (tiles off) and with tiling forced back to auto; then a 2688 x 2208
# synthetic scene at the pitch the model knows (seed 3300), native tiles against whole against tiles at scale 0.375.
# OUT=DIR keeps the sets and reports (default: a temporary folder).
set -euo pipefail
cd "$(dirname "$0")/../.."
source models/training/cli.sh
model=models/xray-concealment-s.onnx
data=models/training/data
out=${OUT:-$(mktemp -d)}
[ -f "$data/test-baggage/annotations.coco.json" ] || $xray synth --kind baggage --count 200 --seed 3102 --out "$data/test-baggage" >/dev/null
/usr/bin/python3 - "$data/test-baggage" "$out" <<'PY'
import json, os, sys, cv2
src, out = sys.argv[1], sys.argv[2]
d = json.load(open(os.path.join(src, "annotations.coco.json")))
keep = d["images"][:60]
ids = {i["id"] for i in keep}
for name, f in [("orig60", 1.0), ("fine60", 2.625)]:
    os.makedirs(os.path.join(out, name, "images"), exist_ok=True)
    imgs = []
    for i in keep:
        im = cv2.imread(os.path.join(src, "images", i["file_name"]))
        if f != 1.0:
            im = cv2.resize(im, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
        cv2.imwrite(os.path.join(out, name, "images", i["file_name"]), im)
        imgs.append(dict(i, width=im.shape[1], height=im.shape[0]))
    anns = [dict(a, bbox=[v * f for v in a["bbox"]], area=a["area"] * f * f) for a in d["annotations"] if a["image_id"] in ids]
    json.dump(dict(d, images=imgs, annotations=anns), open(os.path.join(out, name, "annotations.coco.json"), "w"))
PY
# The bundled routes with the baggage route's tiling taken out (the default, auto), for the "before" row.
python3 - config/routes.json "$out/routes-auto.json" <<'PY'
import re, sys
s = open(sys.argv[1]).read()
s, n = re.subn(r'("baggage": \{[^}]*?)\s*"tiles": \{ "mode": "off" \},', r'\1', s, count=1, flags=re.S)
if n != 1:
    sys.exit("pitch-check: the baggage route in config/routes.json no longer has tiles off; nothing to compare")
s = s.replace('"../models/', '"' + __import__("os").path.abspath("models") + '/')
open(sys.argv[2], "w").write(s)
PY
line() { python3 -c "import json,sys;c=json.load(open(sys.argv[1]))['coco'];print(f'| {sys.argv[2]} | {c[\"AP\"]:.3f} | {c[\"AP50\"]:.4f} |')" "$1/report.json" "$2"; }
echo "| set and tiling | mAP@0.5:0.95 | mAP@0.5 |"; echo "|---|---|---|"
$xray eval --route baggage --data "$out/orig60" --out "$out/e-orig" --no-plots >/dev/null; line "$out/e-orig" "60 scans at their own size, route baggage"
$xray eval --route baggage --data "$out/fine60" --out "$out/e-fine" --no-plots >/dev/null; line "$out/e-fine" "enlarged 2.625x, route baggage (tiles off)"
$xray eval --route baggage --routes "$out/routes-auto.json" --data "$out/fine60" --out "$out/e-fine-auto" --no-plots >/dev/null; line "$out/e-fine-auto" "enlarged 2.625x, tiles auto"
big=$out/big
$xray synth --kind baggage --count 40 --seed 3300 --width 2688 --height 2208 --no-raw --out "$big" >/dev/null
for t in "auto:--tile auto" "whole:--tile off" "scaled:--tile 384 --scale 0.375"; do
  name=${t%%:*}; read -r -a opts <<< "${t#*:}"
  $xray detect "$big/images" --model $model --iou 0.45 --conf 0.001 --no-shield "${opts[@]}" --out "$out/d-$name" >/dev/null
  $xray eval --gt "$big/annotations.coco.json" --pred "$out/d-$name/detections.coco.json" --out "$out/e-big-$name" --no-plots >/dev/null
  line "$out/e-big-$name" "2688 x 2208 scene, ${t#*:}"
done
