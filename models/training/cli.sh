# Sourced by the evaluation scripts, from the repository root: installs what is missing, builds the CLI, and sets
# $xray to run it. XRAY_DLL=path/to/xray.dll runs that build instead (e.g. a copy of the output folder, so that a long
# campaign is not disturbed by rebuilding the working tree meanwhile).
bash scripts/prereqs.sh
if [ -n "${XRAY_DLL:-}" ]; then
  xray="dotnet $XRAY_DLL"
else
  dotnet build src/XrayAnalysis.Cli -c Release -v quiet -nologo >/dev/null
  xray="dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll"
fi
