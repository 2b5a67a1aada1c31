#!/usr/bin/env bash
# Chooses a route's fill (docs/ROUTES.md, "Field of view") on its calibration scans, never on a test set: for each
# candidate fill, the route is run as xray eval --route runs it with fill set to that value, its alarm threshold
# is chosen as calibrate.sh chooses it (the higher of the lowest thresholds with scan FAR <= 0.05 on its varied 8-bit
# scans and on its 16-bit pairs), and the table gives mAP@0.5 and scan Pd / FAR at that threshold over both looks.
# A candidate of several comma-separated fills runs each scan at each and fuses the boxes (the route's "fill": [..]).
#   ROUTE=mail FILLS="none 0.8333 0.75 0.625 0.5 0.4167" bash models/training/fill-sweep.sh
#   ROUTE=mail FILLS="0.625 0.625,1 0.5,1 0.625,0.8,1 0.5,0.625,1" bash models/training/fill-sweep.sh
# A candidate "tiles:S" runs each scan whole and also zoomed in: resized by S and cut into 384-px tiles
# ("tiles": { "mode": "always", "size": 384, "overlap": 0.2, "full_image_pass": true, "scale": S }, fill removed), e.g.
#   ROUTE=baggage FILLS="none tiles:0.5 tiles:0.6" bash models/training/fill-sweep.sh
# "none" is the route without fill (a whole scan fills the model input, fill 1). OUT keeps the reports (default: a
# temporary folder). With TEST=1 the held-out test set of the route (seed as evaluate.sh) is evaluated too, at the
# threshold chosen on calibration: for the card, after the choice.
set -euo pipefail
cd "$(dirname "$0")/../.."
source models/training/cli.sh
data=models/training/data
route=${ROUTE:-mail}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
source models/training/calibration-sets.sh
varied=CAL_VARIED_${route^^}; pairs=CAL_PAIRS_${route^^}; all=CAL_${route^^}
declare -A testargs=([mail]="--count 150 --seed 3100" [express]="--count 150 --seed 3101" [baggage]="--count 200 --seed 3102")
if [ "${TEST:-0}" = 1 ] && [ ! -f "$data/test-$route/annotations.coco.json" ]; then
  read -r -a ta <<< "${testargs[$route]}"
  $xray synth --kind "$route" "${ta[@]}" --out "$data/test-$route" >/dev/null
fi
field() { python3 -c "import json,sys;r=json.load(open(sys.argv[1]));print(eval(sys.argv[2]))" "$1/report.json" "$2"; }
echo "| fill | threshold (varied / pairs) | mAP@0.5 | scan Pd | scan FAR |$([ "${TEST:-0}" = 1 ] && echo ' test mAP@0.5 | test Pd | test FAR |')"
echo "|---|---|---|---|---|$([ "${TEST:-0}" = 1 ] && echo '---|---|---|')"
for s in ${FILLS:-none 0.8333 0.75 0.625 0.5 0.4167}; do
  # The bundled route file with this route's fill replaced (or removed), model paths made absolute.
  python3 - config/routes.json "$out/routes-$s.json" "$route" "$s" <<'PY'
import os, re, sys
src, dst, route, scale = sys.argv[1:5]
text = open(src).read()
m = re.search(r'("%s"\s*:\s*\{)([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}' % route, text)
if not m:
    sys.exit(f"fill-sweep: no route {route} in {src}")
body = re.sub(r'\s*"fill"\s*:\s*(\[[^\]]*\]|[0-9.]+)\s*,', '', m.group(2))
if scale.startswith("tiles:"):
    tiles = '"tiles": { "mode": "always", "size": 384, "overlap": 0.2, "full_image_pass": true, "scale": %s }' % float(scale[6:])
    body, n = re.subn(r'"tiles"\s*:\s*\{[^{}]*\}', tiles, body, count=1)
    if n != 1:
        sys.exit(f"fill-sweep: route {route} has no tiles entry to replace")
elif scale != "none":
    value = "[%s]" % ", ".join(scale.split(",")) if "," in scale else scale
    body = re.sub(r'("tiles"\s*:\s*\{[^{}]*\}\s*,)', r'\1 "fill": %s,' % value, body, count=1)
    if '"fill"' not in body:
        sys.exit(f"fill-sweep: route {route} has no tiles entry to put fill after")
text = text[:m.start()] + m.group(1) + body + "}" + text[m.end():]
text = text.replace('"../models/', '"' + os.path.abspath("models") + '/')
open(dst, "w").write(text)
PY
  ev() { local name=$1; shift; $xray eval --route "$route" --routes "$out/routes-$s.json" --iou 0.45 --no-plots --out "$out/$s-$name" "$@" >/dev/null; }
  ev varied --data ${!varied} --target-far 0.05
  ev pairs --data ${!pairs} --target-far 0.05
  t=$(python3 -c "import math,sys;print(math.floor(max(float(sys.argv[1]), float(sys.argv[2])) * 10000) / 10000)" \
      "$(field "$out/$s-varied" "r['screening']['threshold']")" "$(field "$out/$s-pairs" "r['screening']['threshold']")")
  ev all --data ${!all} --threshold "$t"
  row="| $s | $t ($(field "$out/$s-varied" "round(r['screening']['threshold'],4)") / $(field "$out/$s-pairs" "round(r['screening']['threshold'],4)")) | $(field "$out/$s-all" "f\"{r['coco']['AP50']:.3f}\"") | $(field "$out/$s-all" "f\"{r['screening']['scan_pd']:.3f} ({r['screening']['scan_pd_counts'][0]}/{r['screening']['scan_pd_counts'][1]})\"") | $(field "$out/$s-all" "f\"{r['screening']['scan_far']:.3f} ({r['screening']['scan_far_counts'][0]}/{r['screening']['scan_far_counts'][1]})\"") |"
  if [ "${TEST:-0}" = 1 ]; then
    ev test --data "$data/test-$route" --threshold "$t"
    row="$row $(field "$out/$s-test" "f\"{r['coco']['AP50']:.3f}\"") | $(field "$out/$s-test" "f\"{r['screening']['scan_pd']:.3f} ({r['screening']['scan_pd_counts'][0]}/{r['screening']['scan_pd_counts'][1]})\"") | $(field "$out/$s-test" "f\"{r['screening']['scan_far']:.3f} ({r['screening']['scan_far_counts'][0]}/{r['screening']['scan_far_counts'][1]})\"") |"
  fi
  echo "$row"
done
