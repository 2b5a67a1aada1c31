#!/usr/bin/env bash
# After a deliberate change to the library's public surface: builds, then adds the symbols the build reports as new
# (RS0016) to src/XrayAnalysis/PublicAPI.Unshipped.txt and removes the ones it reports as gone (RS0017). Review the diff
# of that file: it is the API change a reviewer signs off.
set -euo pipefail
cd "$(dirname "$0")/.."
LOG=$(mktemp)
dotnet build src/XrayAnalysis/XrayAnalysis.csproj -c Release --nologo --no-incremental -p:TreatWarningsAsErrors=false >"$LOG" 2>&1 || true
/usr/bin/python3 - "$LOG" <<'PY'
import re, sys
log = open(sys.argv[1], encoding="utf-8").read()
add = set(re.findall(r"RS0016: Symbol '(.*?)' is not part of the declared public API", log))
gone = set(re.findall(r"RS0017: Symbol '(.*?)' is part of the declared API", log))
path = "src/XrayAnalysis/PublicAPI.Unshipped.txt"
lines = [l.rstrip("\n") for l in open(path, encoding="utf-8") if l.strip() and l.strip() != "#nullable enable"]
lines = sorted((set(lines) - gone) | add, key=lambda l: (re.sub(r"^(static |override |virtual |abstract |const |readonly |sealed )+", "", l), l))
open(path, "w", encoding="utf-8").write("#nullable enable\n" + "".join(l + "\n" for l in lines))
print(f"public API: {len(add)} added, {len(gone)} removed, {len(lines)} symbols unshipped")
PY
rm -f "$LOG"
