#!/usr/bin/env bash
# Quick start, command 2: runs every test (the same command CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prereqs.sh slurm-wlm munge dcmtk dicom3tools python3-pydicom python3-numpy
# Tests that need an outside tool are skipped where the tool is missing, except here, where they must run: dcmtk,
# dicom3tools and pydicom (the independent DICOM implementations the DICOS tests check against) always; the review
# page's browser tests (Debian's chromium driven by Playwright) whenever chromium could be installed — on Ubuntu the
# chromium package is a snap wrapper that containers often cannot install, and then those tests are skipped, saying so.
export XRAY_REQUIRE_TOOLS=1
if bash scripts/prereqs.sh chromium; then
  export XRAY_REQUIRE_BROWSER=1
else
  echo "xray: chromium could not be installed; the review page's browser tests will be skipped" >&2
fi
dotnet test XrayAnalysis.sln -c Release --nologo --logger "console;verbosity=normal" "$@"
