#!/usr/bin/env bash
# Quick start, command 2: runs every test (the same command CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prereqs.sh slurm-wlm munge chromium dcmtk dicom3tools python3-pydicom python3-numpy
# Tests that need an outside tool (Debian's chromium through Playwright for the review page, dcmtk, dicom3tools and pydicom as the
# independent DICOM implementations for DICOS) are skipped where the tool is missing, except here: they must run.
export XRAY_REQUIRE_TOOLS=1
dotnet test XrayAnalysis.sln -c Release --nologo --logger "console;verbosity=normal" "$@"
