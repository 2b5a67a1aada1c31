#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser (docs/RELIABILITY.md): builds xray-fuzz into artifacts/fuzz, instruments that
# copy of the library with SharpFuzz, writes the seed corpus, and runs each target for EXECS executions.
# Findings (inputs that raised an unexpected exception) go to artifacts/fuzz-findings/TARGET/.
#   bash scripts/fuzz.sh [EXECS per target, default 1000000] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prereqs.sh
execs=${1:-1000000}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(probe loader metaimage nrrd tiffvolume dicom jpegls)
out=artifacts/fuzz
dotnet build tools/XrayAnalysis.Fuzz -c Release -v quiet -nologo -o "$out" >/dev/null
dotnet "$out/xray-fuzz.dll" instrument "$out/XrayAnalysis.dll" >/dev/null
dotnet "$out/xray-fuzz.dll" seeds artifacts/fuzz-seeds/images artifacts/fuzz-seeds/volumes
mkdir -p artifacts/fuzz-seeds/all
cp artifacts/fuzz-seeds/images/* artifacts/fuzz-seeds/volumes/*.mha artifacts/fuzz-seeds/volumes/*.nrrd artifacts/fuzz-seeds/volumes/stack.tif artifacts/fuzz-seeds/all/
cp tests/fixtures/fuzz-corpus/* artifacts/fuzz-seeds/all/ 2>/dev/null || true
echo -e "target\texecutions\tseconds\texec_per_s\tcorpus\tedges\tfindings\tmode"
status=0
for t in "${targets[@]}"; do
  dotnet "$out/xray-fuzz.dll" fuzz "$t" artifacts/fuzz-seeds/all "$execs" "${FUZZ_SEED:-1}" artifacts/fuzz-findings || status=1
done
exit $status
