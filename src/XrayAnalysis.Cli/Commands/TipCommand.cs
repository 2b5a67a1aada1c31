using System.CommandLine;
using System.Globalization;
using XrayAnalysis.Loading;
using XrayAnalysis.Outputs;
using XrayAnalysis.Synthesis;

namespace XrayAnalysis.Cli.Commands;

/// <summary><c>xray tip --threat FILE --into SCAN --at X,Y --out FILE</c>.</summary>
internal static class TipCommand
{
    public static Command Create()
    {
        var threat = new Option<FileInfo>("--threat") { Description = "Threat image on an air background: 16-bit transmission (NAME_high.png with NAME_low.png beside it for dual energy) or 8-bit pseudo-colour.", Required = true };
        var into = new Option<FileInfo>("--into") { Description = "Scan to project into, same kind as the threat (16-bit, dual-energy _high file, 8-bit grey, or 8-bit colour). The threat must lie wholly inside it.", Required = true };
        var at = new Option<string>("--at") { Description = "Top-left corner X,Y of the threat in the scan, in pixels.", Required = true };
        var outFile = new Option<FileInfo>("--out", "-o") { Description = "Output image (for dual energy: the _high file; _low is written beside it). The ground-truth box goes to OUT.json.", Required = true };
        var cls = new Option<string>("--class") { Description = "The threat's class name, written into the ground truth (e.g. powder, tablets).", DefaultValueFactory = _ => "threat" };
        threat.AcceptExistingOnly();
        into.AcceptExistingOnly();
        var cmd = new Command("tip", "Threat image projection: multiply transmissions (add log-attenuations) to insert a threat into a scan; writes the ground-truth box.");
        cmd.Add(threat);
        cmd.Add(into);
        cmd.Add(at);
        cmd.Add(outFile);
        cmd.Add(cls);
        cmd.SetAction(r =>
        {
            TextWriter err = r.InvocationConfiguration.Error;
            string[] xy = r.GetValue(at)!.Split(',');
            if (xy.Length != 2 || !int.TryParse(xy[0], CultureInfo.InvariantCulture, out int x) || !int.TryParse(xy[1], CultureInfo.InvariantCulture, out int y))
            {
                err.WriteLine($"xray: --at '{r.GetValue(at)}' is not X,Y");
                return ExitCodes.UsageError;
            }

            TipResult result;
            try
            {
                result = ThreatImageProjection.ProjectFiles(r.GetValue(threat)!.FullName, r.GetValue(into)!.FullName, x, y, r.GetValue(outFile)!.FullName, r.GetValue(cls)!);
            }
            catch (ScanLoadException ex)
            {
                err.WriteLine($"xray: {ex.Status.ToString().ToLowerInvariant()}: {ex.Message}");
                return ExitCodes.SomeInputsNotOk;
            }
            catch (ArgumentException ex)
            {
                err.WriteLine($"xray: {UsageErrors.Describe(ex)}");
                return ExitCodes.UsageError;
            }

            int[] b = result.Bbox;
            r.InvocationConfiguration.Output.WriteLine($"xray tip: wrote {string.Join(", ", result.Outputs)}; ground-truth {result.Class} box x={b[0]} y={b[1]} w={b[2]} h={b[3]} in {result.GroundTruthPath}");
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
