#!/usr/bin/env bash
# Packs the library and the CLI tool, installs both from the local folder only, and proves they agree:
#   1. `dotnet pack` -> artifacts/packages (XrayAnalysis library + symbols, xray .NET tool for linux-x64);
#   2. `dotnet tool install xray --add-source artifacts/packages` into a scratch tool path, then `xray detect` on a
#      16-bit dual-energy pair and a cargo scan that is tiled;
#   3. samples/InMemoryDetect (outside the solution, referencing only the XrayAnalysis package) detects on the same
#      scans handed over as in-memory pixels;
#   4. the boxes must match (class, score to 1e-4, corners to 1e-2 px), at confidence 0.25 so that there are many.
# Usage: bash scripts/package-check.sh [WORK_DIR]    (default: a fresh temp folder)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=${1:-$(mktemp -d /tmp/xray-package-check.XXXXXX)}
mkdir -p "$WORK"
bash scripts/prereqs.sh >/dev/null

VERSION=$(dotnet msbuild src/XrayAnalysis/XrayAnalysis.csproj -getProperty:Version -nologo)
PKGS="$WORK/packages"
echo "package-check: version $VERSION, work folder $WORK"
dotnet pack XrayAnalysis.sln -c Release --nologo -v quiet -o "$PKGS" -p:PackageOutputPath="$PKGS" >"$WORK/pack.log" 2>&1 || { cat "$WORK/pack.log"; exit 1; }
ls "$PKGS"

# A private NuGet cache, so that nothing installed or restored earlier on this machine stands in for the packages.
export NUGET_PACKAGES="$WORK/nuget-cache"
CONFIG="$WORK/nuget.config"
cat >"$CONFIG" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$PKGS" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML
if [ -d "$HOME/.nuget/packages" ]; then
  # Offline machines: dependencies (ONNX Runtime, OpenCvSharp, ...) may come from the machine's NuGet cache as a feed.
  sed -i "s|<add key=\"local\" value=\"$PKGS\" />|<add key=\"local\" value=\"$PKGS\" />\n    <add key=\"machine-cache\" value=\"$HOME/.nuget/packages\" />|" "$CONFIG"
fi

dotnet tool install xray --version "$VERSION" --tool-path "$WORK/tools" --configfile "$CONFIG" >"$WORK/tool.log" 2>&1 || { cat "$WORK/tool.log"; exit 1; }
"$WORK/tools/xray" --version

PAIR_HIGH=sample-images/express/raw/express_00000_high.png
PAIR_LOW=sample-images/express/raw/express_00000_low.png
CARGO=sample-images/cargo/images/cargo_00000.jpg
MODEL=models/xray-concealment-s.onnx
"$WORK/tools/xray" detect "$PAIR_HIGH" "$PAIR_LOW" "$CARGO" --model "$MODEL" --conf 0.25 --out "$WORK/cli" >"$WORK/cli.log" 2>&1 || { cat "$WORK/cli.log"; exit 1; }

mkdir -p "$WORK/sample"
cp samples/InMemoryDetect/Program.cs samples/InMemoryDetect/InMemoryDetect.csproj "$WORK/sample/"
cp samples/Directory.Build.props samples/Directory.Packages.props "$WORK/"
(cd "$WORK/sample" && dotnet restore --configfile "$CONFIG" -p:XrayAnalysisVersion="$VERSION" >/dev/null && \
    dotnet run -c Release --no-restore -p:XrayAnalysisVersion="$VERSION" -- \
    "$ROOT/$MODEL" "$WORK/sample-out" --conf 0.25 --pair "$ROOT/$PAIR_HIGH" "$ROOT/$PAIR_LOW" --colour "$ROOT/$CARGO") >"$WORK/sample.jsonl" 2>"$WORK/sample.log" \
  || { cat "$WORK/sample.log"; exit 1; }

/usr/bin/python3 - "$WORK" <<'PY'
import json, sys, os
work = sys.argv[1]
lib = {r["name"]: r for r in map(json.loads, open(os.path.join(work, "sample.jsonl")))}
ok = True
for name, r in lib.items():
    cli = json.load(open(os.path.join(work, "cli", "results", name + ".json")))
    a = [[d["class_id"], d["score"], d["x1"], d["y1"], d["x2"], d["y2"]] for d in cli["detections"]]
    b = r["boxes"]
    same = len(a) == len(b) and all(x[0] == y[0] and abs(x[1] - y[1]) < 1e-4 and all(abs(p - q) < 1e-2 for p, q in zip(x[2:], y[2:])) for x, y in zip(a, b))
    print(f"{name}: xray detect {len(a)} boxes ({cli['status']}{', tiled' if cli.get('tiling') else ''}), library {len(b)} boxes ({r['status']}{', tiled' if r['tiled'] else ''}): {'same' if same else 'DIFFERENT'}")
    ok &= same and cli["status"] == "ok" and r["status"] == "Ok"
if len(lib) != 2:
    print(f"expected 2 scans from the sample program, got {len(lib)}"); ok = False
sys.exit(0 if ok else 1)
PY
echo "package-check: the packed library and the packed tool give the same boxes"
