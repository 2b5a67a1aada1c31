#!/usr/bin/env bash
# Mutation campaign (docs/RELIABILITY.md): N mutated files across PNG, JPEG, TIFF, BMP, MetaImage (raw, zlib), NRRD
# (raw, gzip) and multi-page TIFF volumes, pushed through the real `xray detect` / `xray volume` in batches.
# Counts process deaths (any exit other than 0/1/4), hangs (a batch past its time limit), inputs not accounted for
# exactly once in summary.csv, and damaged files reported ok where an independent decoder reports corruption
# (djpeg from libjpeg-turbo, pngcheck, tiffcp from libtiff: installed here if missing).
#   bash scripts/mutation-campaign.sh [IMAGE_MUTANTS, default 8000] [VOLUME_MUTANTS, default 2000] [SEED, default 1]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prereqs.sh
n_img=${1:-8000}
n_vol=${2:-2000}
seed=${3:-1}
need=()
command -v djpeg >/dev/null || need+=(libjpeg-turbo-progs)
command -v pngcheck >/dev/null || need+=(pngcheck)
command -v tiffcp >/dev/null || need+=(libtiff-tools)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
work=${CAMPAIGN_DIR:-artifacts/campaign}
rm -rf "$work" && mkdir -p "$work"
dotnet build src/XrayAnalysis.Cli -c Release -v quiet -nologo >/dev/null
dotnet build tools/XrayAnalysis.Fuzz -c Release -v quiet -nologo >/dev/null
xray="dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll"
fuzz="dotnet tools/XrayAnalysis.Fuzz/bin/Release/net10.0/xray-fuzz.dll"
model=tests/fixtures/models/v8.onnx

# Seeds: every format variant, plus real-sized synthetic scans (JPEG and 16-bit PNG) from xray synth.
$fuzz seeds "$work/seeds/img" "$work/seeds/vol"
$xray synth --kind express --count 2 --seed 91 --width 640 --height 480 --render-format jpg --out "$work/synth-jpg" >/dev/null
$xray synth --kind baggage --count 1 --seed 92 --width 640 --height 480 --out "$work/synth-png" >/dev/null
cp "$work"/synth-jpg/images/*.jpg "$work/seeds/img/"
cp "$work"/synth-png/raw/*_high.png "$work/seeds/img/"
mkdir -p "$work/seeds/vol-only"
cp "$work"/seeds/vol/*.mhd "$work"/seeds/vol/*.raw "$work"/seeds/vol/*.zraw "$work"/seeds/vol/*.nrrd "$work"/seeds/vol/*.mha "$work"/seeds/vol/stack.tif "$work/seeds/vol-only/"
$fuzz mutate "$work/seeds/img" "$work/img" "$n_img" "$seed"
$fuzz mutate "$work/seeds/vol-only" "$work/vol" "$n_vol" "$((seed + 1))"

deaths=0; hangs=0; batches=0
run_batches() { # KIND DIR PATTERN SIZE
  local kind=$1 dir=$2 size=$4
  set -f
  mapfile -t files < <(find "$dir" -maxdepth 1 -type f \( $3 \) | sort)
  set +f
  for ((i = 0; i < ${#files[@]}; i += size)); do
    local b="$work/out-$kind-$((i / size))"
    batches=$((batches + 1))
    set +e
    timeout 600 $xray "$kind" "${files[@]:i:size}" --model "$model" --out "$b" ${5:-} >"$b.stdout" 2>"$b.stderr"
    local rc=$?
    set -e
    echo "${files[@]:i:size}" | tr ' ' '\n' > "$b.inputs"
    echo "$rc" > "$b.rc"
    case $rc in
      0|1|4) ;;
      124) hangs=$((hangs + 1)); echo "hang: $b" >&2 ;;
      *) deaths=$((deaths + 1)); echo "process death (exit $rc): $b" >&2 ;;
    esac
  done
}
run_batches detect "$work/img" "-name *.png -o -name *.jpg -o -name *.tif -o -name *.bmp" 500 "--input-timeout 60"
run_batches volume "$work/vol" "-name *.mhd -o -name *.mha -o -name *.nrrd -o -name *.tif" 200 "--no-pictures"

# Oracle: independent decoders on every image the toolkit called ok.
python3 - "$work" "$deaths" "$hangs" "$batches" <<'PY'
import csv, glob, os, subprocess, sys, collections
work, deaths, hangs, batches = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def oracle(path):
    ext = os.path.splitext(path)[1].lower()
    if ext == ".jpg":
        p = subprocess.run(["djpeg", "-outfile", os.devnull, path], capture_output=True)
    elif ext == ".png":
        p = subprocess.run(["pngcheck", "-q", path], capture_output=True)
    elif ext == ".tif":
        p = subprocess.run(["tiffcp", path, os.path.join(work, "oracle.tif")], capture_output=True)
        # libtiff also warns about tags it does not know (every scanner vendor's private tags): not damage.
        err = [l for l in p.stderr.decode(errors="replace").splitlines() if l.strip() and "Unknown field with tag" not in l]
        return p.returncode == 0 and not err
    else:
        return None
    return p.returncode == 0 and not p.stderr.strip()
inputs = 0; accounted = 0; dup_or_missing = 0
status = collections.Counter(); by_ext = collections.defaultdict(collections.Counter)
ok_but_corrupt = []; oracle_checked = 0; oracle_corrupt = 0; flagged_corrupt = 0
for rcfile in sorted(glob.glob(os.path.join(work, "out-*.rc"))):
    b = rcfile[:-3]
    files = [l for l in open(b + ".inputs").read().split("\n") if l]
    inputs += len(files)
    summary = os.path.join(b, "summary.csv")
    if not os.path.exists(summary):
        dup_or_missing += len(files); continue
    rows = list(csv.DictReader(open(summary)))
    key = "path" if "path" in rows[0] else "input"
    seen = collections.Counter(r[key] for r in rows)
    for f in files:
        if seen[f] != 1: dup_or_missing += 1
    accounted += sum(1 for f in files if seen[f] == 1)
    for r in rows:
        st = r["status"]; status[st] += 1
        ext = os.path.splitext(r[key])[1].lower(); by_ext[ext][st] += 1
        if "out-detect" in b:
            o = oracle(r[key])
            if o is None: continue
            oracle_checked += 1
            if not o:
                oracle_corrupt += 1
                if st == "ok": ok_but_corrupt.append(r[key])
                else: flagged_corrupt += 1
print(f"batches {batches}; inputs {inputs}; accounted exactly once {accounted}; missing or duplicated {dup_or_missing}")
print(f"process deaths {deaths}; hangs {hangs}")
print("statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(status.items())))
for ext, c in sorted(by_ext.items()):
    print(f"  {ext}: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
print(f"images checked by an independent decoder: {oracle_checked}; it reports corruption in {oracle_corrupt}; "
      f"of those the toolkit flagged {flagged_corrupt} and reported ok {len(ok_but_corrupt)}")
for p in ok_but_corrupt[:20]: print("  damaged but ok: " + p)
sys.exit(0 if deaths == 0 and hangs == 0 and dup_or_missing == 0 and not ok_but_corrupt else 1)
PY
