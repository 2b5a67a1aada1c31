#!/usr/bin/env bash
# Reproduces the model card's figures: makes the held-out test sets (seeds 3100-3107, 3200 and 4100, never used in training or
# validation), picks the operating threshold on the validation and calibration sets (target FAR 0.05), then evaluates the 2D routes,
# cargo (tiled), the robustness shifts and CT volumes with that threshold. Writes every report to models/training/eval-out/
# and a summary table to models/training/eval-out/summary.md. MODEL and OUT evaluate another model into another folder;
# TTA=flip or TTA=off overrides the model profile's test-time flip.
set -euo pipefail
cd "$(dirname "$0")/../.."
source models/training/cli.sh
model=${MODEL:-models/xray-concealment-s.onnx}
data=models/training/data
out=${OUT:-models/training/eval-out}
tta=(); [ -z "${TTA:-}" ] || tta=(--tta "$TTA")
mkdir -p $out
synth() { local d=$1; shift; [ -f "$d/annotations.coco.json" ] || $xray synth "$@" --out "$d" >/dev/null; }
synth $data/test-mail     --kind mail    --count 150 --seed 3100
synth $data/test-express  --kind express --count 150 --seed 3101
synth $data/test-baggage  --kind baggage --count 200 --seed 3102
synth $data/test-cargo    --kind cargo   --count 6   --seed 3104 --no-raw
synth $data/test-cargo24  --kind cargo   --count 24  --seed 3107 --no-raw
synth $data/test-ct       --kind ct      --count 10  --seed 4100 --no-slices --slice-step 8
# Robustness: one held-out baggage scene set (seed 3200) rendered under each shift; none of these looks is in training
# except the standard one (cyan never; grey, JPEG and downscaling only as --varied draws them at other settings).
synth $data/shift-standard --kind baggage --count 100 --seed 3200 --no-raw
synth $data/shift-cyan     --kind baggage --count 100 --seed 3200 --no-raw --palette cyan
synth $data/shift-grey     --kind baggage --count 100 --seed 3200 --no-raw --palette grey
synth $data/shift-jpeg50   --kind baggage --count 100 --seed 3200 --no-raw --jpeg-quality 50
synth $data/shift-half     --kind baggage --count 100 --seed 3200 --no-raw --downscale 0.5
synth $data/shift-clutter2 --kind baggage --count 100 --seed 3200 --no-raw --clutter 2
synth $data/shift-lowdose  --kind baggage --count 100 --seed 3200 --no-raw --dose 3000
# Unseen concealment: the same bags, every threat in a carrier no training set has (all packets; clean scenes unchanged).
synth $data/shift-unseen   --kind baggage --count 100 --seed 3200 --no-raw --unseen-concealment

# NMS IoU 0.45 (kept from the first model: FCOS-style heads leave near-duplicates); the threshold is the lowest with
# scan-level FAR <= 0.05 on the validation and calibration sets (calibration-sets.sh, as calibrate.sh), never chosen
# on a test set.
iou=0.45
source models/training/calibration-sets.sh
$xray eval --model "$model" "${tta[@]}" --data $CAL_ALL --iou $iou --target-far 0.05 --out $out/val >/dev/null
thr=$(python3 -c "import json;print(json.load(open('$out/val/report.json'))['screening']['threshold'])")
echo "operating threshold from validation: $thr"
ev() { local name=$1; shift; $xray eval --model "$model" "${tta[@]}" --data "$@" --iou $iou --threshold "$thr" --out $out/$name >/dev/null; }
ev test-2d $data/test-mail $data/test-express $data/test-baggage
for r in mail express baggage cargo cargo24; do ev test-$r $data/test-$r; done
for s in standard cyan grey jpeg50 half clutter2 lowdose unseen; do ev shift-$s $data/shift-$s; done
ev test-ct-slices $data/test-ct
$xray volume $data/test-ct/volumes/*.mhd --model "$model" "${tta[@]}" --iou $iou --conf "$thr" --out $out/test-ct-volumes --no-pictures >/dev/null || true
python3 - "$out" "$thr" <<'PY'
import json, os, sys
out, thr = sys.argv[1], float(sys.argv[2])
rows = ["| set | mAP@0.5:0.95 | mAP@0.5 | scan Pd | scan FAR |", "|---|---|---|---|---|"]
for name in ["val", "test-2d", "test-mail", "test-express", "test-baggage", "test-cargo", "test-cargo24", "shift-standard", "shift-cyan", "shift-grey",
             "shift-jpeg50", "shift-half", "shift-clutter2", "shift-lowdose", "shift-unseen", "test-ct-slices"]:
    r = json.load(open(os.path.join(out, name, "report.json")))
    c, s = r["coco"], r["screening"]
    pc, fc = s["scan_pd_counts"], s["scan_far_counts"]
    rows.append(f"| {name} | {c['AP']:.3f} | {c['AP50']:.3f} | {s['scan_pd']:.3f} ({pc[0]}/{pc[1]}) | {s['scan_far']:.3f} ({fc[0]}/{fc[1]}) |")
# Object Pd per concealment (xray synth tags every box with it): which hiding places the model misses.
for name in ["test-2d", "shift-unseen"]:
    per = json.load(open(os.path.join(out, name, "report.json")))["screening"].get("per_concealment", {})
    rows += ["", f"object Pd at the operating threshold by concealment, {name} (IoU >= 0.1)", "",
             "| concealment | object Pd | found / objects |", "|---|---|---|"]
    for k, v in sorted(per.items(), key=lambda kv: (kv[1]["iou10"]["value"], kv[0])):
        r10 = v["iou10"]
        rows.append(f"| {k} | {r10['value']:.3f} | {r10['count']}/{r10['n']} |")
open(os.path.join(out, "summary.md"), "w").write(f"operating threshold {thr}\n\n" + "\n".join(rows) + "\n")
print("\n".join(rows))
PY
