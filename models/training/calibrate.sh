#!/usr/bin/env bash
# Chooses the bundled 2D model's thresholds on the validation sets and writes them (train.sh runs it after export):
# each is the lowest score with scan-level FAR <= 0.05 (xray eval --iou 0.45 --target-far 0.05), rounded down to four
# decimals so that nothing the choice alarms on is lost:
#   models/models.json   operating_threshold               val-mail + val-express + val-baggage, with the test-time flip
#                        operating_threshold_without_flip  the same sets, one pass (--tta off)
#   config/routes.json   alarm_threshold of mail, express and baggage: that route's validation set, with the flip
# The validation sets are evaluate.sh's (100 varied scenes per route, seeds 2101 / 2103 / 2100), made here when missing.
# CHECK=1 writes nothing and exits 1 when a committed value differs from the one chosen (more than 0.0001 apart).
#   bash models/training/calibrate.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build src/XrayAnalysis.Cli -c Release -v quiet -nologo >/dev/null
xray="dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll"
data=models/training/data
out=${OUT:-models/training/eval-out/calibrate}
model=models/xray-concealment-s.onnx
mkdir -p "$out"
synth() { local d=$1; shift; [ -f "$d/annotations.coco.json" ] || $xray synth "$@" --out "$d" >/dev/null; }
synth $data/val-baggage --kind baggage --count 100 --seed 2100 --varied --no-raw
synth $data/val-mail    --kind mail    --count 100 --seed 2101 --varied --no-raw
synth $data/val-express --kind express --count 100 --seed 2103 --varied --no-raw
choose() {  # NAME TTA SET... -> the threshold, unrounded
  local name=$1 tta=$2; shift 2
  $xray eval --model "$model" --tta "$tta" --data "$@" --iou 0.45 --target-far 0.05 --no-plots --out "$out/$name" >/dev/null
  python3 -c "import json; print(json.load(open('$out/$name/report.json'))['screening']['threshold'])"
}
flip=$(choose all-flip flip $data/val-mail $data/val-express $data/val-baggage)
one=$(choose all-one off $data/val-mail $data/val-express $data/val-baggage)
mail=$(choose mail flip $data/val-mail)
express=$(choose express flip $data/val-express)
baggage=$(choose baggage flip $data/val-baggage)
python3 - "$flip" "$one" "$mail" "$express" "$baggage" "${CHECK:-0}" <<'PY'
import json, math, re, sys
flip, one, mail, express, baggage = (math.floor(float(v) * 10000) / 10000 for v in sys.argv[1:6])
check = sys.argv[6] == "1"
print(f"chosen on validation: operating {flip} (flip), {one} (one pass); routes mail {mail}, express {express}, baggage {baggage}")
models_path, routes_path = "models/models.json", "config/routes.json"
m = json.load(open(models_path))
entry = m["models"][0]
routes = open(routes_path).read()

def route_value(text, name):
    block = re.search(r'"%s"\s*:\s*\{[^{}]*?"alarm_threshold"\s*:\s*([0-9.]+)' % name, text)
    return block, float(block.group(1))

if check:
    bad = []
    for what, have, want in [("operating_threshold", entry["operating_threshold"], flip),
                             ("operating_threshold_without_flip", entry.get("operating_threshold_without_flip"), one)] + \
                            [(f"routes.{n}.alarm_threshold", route_value(routes, n)[1], v) for n, v in [("mail", mail), ("express", express), ("baggage", baggage)]]:
        if have is None or abs(have - want) > 1e-4 + 1e-9:
            bad.append(f"{what}: committed {have}, chosen {want}")
    print("\n".join(bad) if bad else "the committed thresholds are the ones chosen")
    sys.exit(1 if bad else 0)

entry["operating_threshold"] = flip
entry["operating_threshold_without_flip"] = one
entry["test_time_flip"] = True
open(models_path, "w").write(json.dumps(m, indent=2, ensure_ascii=False) + "\n")
for n, v in [("mail", mail), ("express", express), ("baggage", baggage)]:
    block, _ = route_value(routes, n)
    routes = routes[:block.start(1)] + repr(v) + routes[block.end(1):]
open(routes_path, "w").write(routes)
print(f"written to {models_path} and {routes_path}")
PY
