using System.CommandLine;
using XrayAnalysis.Loading;
using XrayAnalysis.Viewing;

namespace XrayAnalysis.Cli.Commands;

/// <summary><c>xray render SCAN --function F[,F...] --out FILE.png</c>: the operator image functions.</summary>
internal static class RenderCommand
{
    public static Command Create()
    {
        var scan = new Argument<FileInfo>("scan") { Description = "The scan: an image file, or either file of a NAME_high/NAME_low dual-energy pair (the partner is found beside it)." };
        var low = new Option<FileInfo>("--low") { Description = "The low-energy file, when the pair is not named NAME_high/NAME_low." };
        var functions = new Option<string[]>("--function", "-f")
        {
            Description = $"Image functions, repeatable or comma-separated: {ViewSettings.Syntax}. None: the standard pseudo-colour view.",
            AllowMultipleArgumentsPerToken = true,
        };
        var outFile = new Option<FileInfo>("--out", "-o") { Description = "The 8-bit PNG to write.", Required = true };
        var route = new Option<string?>("--route") { Description = "Start from this route's default view (route file: --routes, else config/routes.json); --function adds to it." };
        var routes = new Option<FileInfo?>("--routes") { Description = "Route file (schema: docs/ROUTES.md)." };
        scan.AcceptExistingOnly();
        low.AcceptExistingOnly();
        var cmd = new Command("render", "Operator image functions (grey/pseudo-colour, negative, edge enhancement, organic/inorganic stripping, high/low penetration, variable density, gamma, zoom): 16-bit source in, 8-bit PNG out.");
        cmd.Add(scan);
        cmd.Add(low);
        cmd.Add(functions);
        cmd.Add(outFile);
        cmd.Add(route);
        cmd.Add(routes);
        cmd.SetAction(r =>
        {
            TextWriter err = r.InvocationConfiguration.Error;
            ViewSettings settings;
            try
            {
                string baseView = r.GetValue(route) is string name ? RouteFiles.Load(r.GetValue(routes)?.FullName).Get(name).View.ToString() : "";
                settings = ViewSettings.Parse([baseView, .. r.GetValue(functions) ?? []]);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or FileNotFoundException)
            {
                err.WriteLine($"xray: {ex.Message}");
                return ExitCodes.UsageError;
            }

            string path = r.GetValue(scan)!.FullName;
            string? lowPath = r.GetValue(low)?.FullName;
            string? partner = lowPath is null ? ScanDiscovery.PartnerOf(path) : null;
            if (partner is not null && File.Exists(partner))
            {
                (path, lowPath) = ScanDiscovery.IsHighEnergy(path) ? (path, partner) : (partner, path);
            }

            try
            {
                using ScanImage image = lowPath is null ? ScanImage.FromFile(path) : ScanImage.FromDualEnergyFiles(path, lowPath);
                ViewImage view = ScanViewer.Render(image, settings);
                string dest = r.GetValue(outFile)!.FullName;
                view.SavePng(dest);
                r.InvocationConfiguration.Output.WriteLine($"xray render: {image.Name} ({(image.IsDualEnergy ? "dual-energy pair" : $"{image.BitDepth}-bit, {image.Channels} channel(s)")}) as {settings} -> {dest} ({view.Width} x {view.Height})");
                return ExitCodes.Ok;
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
            catch (IOException ex)
            {
                err.WriteLine($"xray: cannot write {r.GetValue(outFile)!.FullName}: {ex.Message}");
                return ExitCodes.RunFailed;
            }
        });
        return cmd;
    }
}
