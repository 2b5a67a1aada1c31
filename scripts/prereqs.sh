#!/usr/bin/env bash
# Installs the system packages XrayAnalysis needs at run time, only when missing:
#   libgtk-3-0 — OpenCvSharp's Linux runtime (libOpenCvSharpExtern.so) links against it.
# Extra package names given as arguments are installed the same way (scripts/test.sh adds slurm-wlm and munge for
# the Slurm array test, and chromium for the review page's browser tests).
set -euo pipefail
missing=()
for pkg in libgtk-3-0 "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "xray: installing missing system packages: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v dotnet >/dev/null || { echo "xray: the .NET 10 SDK is required (dotnet not found on PATH)" >&2; exit 1; }
