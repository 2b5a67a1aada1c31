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
# A fresh clone's build and test run take about 4 GB (3.7 GB at its peak here: bin/obj, NuGet restore, scans written
# by the tests); a full disk fails dozens of unrelated tests at once, so say so before starting.
free_kb=$(df -Pk . | awk 'NR==2 {print $4}')
if [ -n "$free_kb" ] && [ "$free_kb" -lt $((4 * 1024 * 1024)) ]; then
  echo "xray: only $((free_kb / 1024)) MB free on the disk holding $(pwd); the build and tests need about 4 GB" >&2
fi
# A TRX log beside the console one, so that a failure is repeated, with its message, as the last lines printed (a CI
# that keeps only the tail of a long run still shows which test failed and why).
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
rc=0
dotnet test XrayAnalysis.sln -c Release --nologo --logger "console;verbosity=normal" --logger "trx" --results-directory "$results" "$@" || rc=$?
if [ "$rc" -ne 0 ]; then
  python3 scripts/failed-tests.py "$results" || true
fi
exit "$rc"
