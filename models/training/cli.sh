# Sourced by the evaluation scripts, from the repository root: installs what is missing, builds the CLI, and sets
# $xray to run it.
bash scripts/prereqs.sh
dotnet build src/XrayAnalysis.Cli -c Release -v quiet -nologo >/dev/null
xray="dotnet src/XrayAnalysis.Cli/bin/Release/net10.0/xray.dll"
