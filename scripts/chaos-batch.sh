#!/usr/bin/env bash
# The long chaos campaign for `xray batch`: kill -9 of the coordinator and of workers at random moments for CYCLES
# cycles (default 20), then a clean run; checks 0 lost, 0 duplicated, every input accounted for and the ledger equal
# to results/ on disk. The suite runs the same test with 4 cycles.
set -euo pipefail
cd "$(dirname "$0")/.."
XRAY_CHAOS_CYCLES=${1:-20} dotnet test tests/XrayAnalysis.Tests -c Release --nologo \
  --filter "FullyQualifiedName~BatchRunTests.Kill_9_of_the_coordinator" --logger "console;verbosity=normal"
