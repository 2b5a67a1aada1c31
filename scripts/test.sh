#!/usr/bin/env bash
# Quick start, command 2: runs every test (the same command CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prereqs.sh slurm-wlm munge chromium
# The review page's browser tests drive Debian's chromium through Playwright (no browser download); here they must run.
export XRAY_REQUIRE_BROWSER=1
dotnet test XrayAnalysis.sln -c Release --nologo --logger "console;verbosity=normal" "$@"
