#!/usr/bin/env bash
# Quick start, command 2: runs every test (the same command CI runs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prereqs.sh slurm-wlm munge
dotnet test XrayAnalysis.sln -c Release --nologo --logger "console;verbosity=normal" "$@"
