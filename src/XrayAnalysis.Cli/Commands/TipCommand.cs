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
        var into = new Option<FileInfo>("--into") { Description = "Scan to project into, same kind as the threat (16-bit, dual-energy _high file, or 8-bit colour).", Required = true };
        var at = new Option<string>("--at") { Description = "Top-left corner X,Y of the threat in the scan, in pixels.", Required = true };
        var outFile = new Option<FileInfo>("--out", "-o") { Description = "Output image (for dual energy: the _high file; _low is written beside it). The ground-truth box goes to OUT.json.", Required = true };
        threat.AcceptExistingOnly();
        into.AcceptExistingOnly();
        var cmd = new Command("tip", "Threat image projection: multiply transmissions (add log-attenuations) to insert a threat into a scan; writes the ground-truth box.");
        cmd.Add(threat);
        cmd.Add(into);
        cmd.Add(at);
        cmd.Add(outFile);
        cmd.SetAction(r =>
        {
            TextWriter err = r.InvocationConfiguration.Error;
            string[] xy = r.GetValue(at)!.Split(',');
            if (xy.Length != 2 || !int.TryParse(xy[0], CultureInfo.InvariantCulture, out int x) || !int.TryParse(xy[1], CultureInfo.InvariantCulture, out int y))
            {
                err.WriteLine($"xray: --at '{r.GetValue(at)}' is not X,Y");
                return ExitCodes.UsageError;
            }

            string t = r.GetValue(threat)!.FullName, s = r.GetValue(into)!.FullName, o = r.GetValue(outFile)!.FullName;
            var pairs = new List<(string Threat, string Scan, string Out)> { (t, s, o) };
            if (LowOf(t) is { } tl && LowOf(s) is { } sl && File.Exists(tl) && File.Exists(sl))
            {
                string ol = LowOf(o) ?? throw new ArgumentException("--out must end in _high.EXT for a dual-energy projection");
                pairs.Add((tl, sl, ol));
            }

            (int X, int Y, int Width, int Height) box = default;
            try
            {
                foreach ((string tp, string sp, string op) in pairs)
                {
                    var b = ThreatImageProjection.ProjectFile(tp, sp, x, y, op);
                    if (box.Width == 0)
                    {
                        box = b;
                    }
                    else if (b.Width > 0)
                    {
                        int x1 = Math.Min(box.X, b.X), y1 = Math.Min(box.Y, b.Y);
                        box = (x1, y1, Math.Max(box.X + box.Width, b.X + b.Width) - x1, Math.Max(box.Y + box.Height, b.Y + b.Height) - y1);
                    }
                }
            }
            catch (ScanLoadException ex)
            {
                err.WriteLine($"xray: {ex.Status.ToString().ToLowerInvariant()}: {ex.Message}");
                return ExitCodes.SomeInputsNotOk;
            }
            catch (ArgumentException ex)
            {
                err.WriteLine($"xray: {ex.Message}");
                return ExitCodes.UsageError;
            }

            string json = string.Create(CultureInfo.InvariantCulture, $"{{\n  \"bbox\": [{box.X}, {box.Y}, {box.Width}, {box.Height}],\n  \"threat\": \"{Path.GetFileName(t)}\",\n  \"scan\": \"{Path.GetFileName(s)}\"\n}}\n");
            AtomicFile.WriteAllText(Path.ChangeExtension(o, ".json"), json);
            r.InvocationConfiguration.Output.WriteLine($"xray tip: wrote {o}; ground-truth box x={box.X} y={box.Y} w={box.Width} h={box.Height}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    private static string? LowOf(string highPath)
    {
        string name = Path.GetFileNameWithoutExtension(highPath);
        return name.EndsWith("_high", StringComparison.OrdinalIgnoreCase)
            ? Path.Combine(Path.GetDirectoryName(highPath)!, name[..^5] + "_low" + Path.GetExtension(highPath))
            : null;
    }
}
