using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using XrayAnalysis.Synthesis;

namespace XrayAnalysis.Cli.Commands;

/// <summary><c>xray synth --kind KIND --count N --seed S --out DIR</c>.</summary>
internal static class SynthCommand
{
    public static Command Create()
    {
        var kind = new Option<string>("--kind") { Description = "Route to simulate (required unless --backgrounds)." };
        kind.AcceptOnlyFromAmong("mail", "express", "baggage", "cargo", "ct");
        var count = new Option<int>("--count", "-n") { Description = "Number of scenes.", DefaultValueFactory = _ => 10 };
        var seed = new Option<long>("--seed") { Description = "Seed; scene i depends only on (seed, kind, i).", DefaultValueFactory = _ => 1 };
        var outDir = new Option<DirectoryInfo>("--out", "-o") { Description = "Output folder.", Required = true };
        var rate = new Option<double>("--threat-rate") { Description = "Share of scenes with threats.", DefaultValueFactory = _ => 0.5 };
        var width = new Option<int>("--width") { Description = "Image width in pixels (0: route default)." };
        var height = new Option<int>("--height") { Description = "Image height in pixels (0: route default)." };
        var depth = new Option<int>("--depth") { Description = "CT: number of slices (default 128; width/height default 256)." };
        var sliceStep = new Option<int>("--slice-step") { Description = "CT: render every k-th slice to images/ with 2D ground truth.", DefaultValueFactory = _ => 4 };
        var renderFormat = new Option<string>("--render-format") { Description = "Pseudo-colour render format.", DefaultValueFactory = _ => "png" };
        renderFormat.AcceptOnlyFromAmong("png", "jpg");
        var noRaw = new Option<bool>("--no-raw") { Description = "2D: write only the pseudo-colour render, not the 16-bit high/low pair." };
        var compress = new Option<bool>("--compress") { Description = "CT: write the MetaImage data zlib-compressed (.zraw)." };
        var noSlices = new Option<bool>("--no-slices") { Description = "CT: skip the 16-bit slice stack (slices/NAME/slice_NNNN.png)." };
        var dose = new Option<double>("--dose") { Description = "Unattenuated photon counts per pixel (noise level).", DefaultValueFactory = _ => 20_000 };
        var palette = new Option<string>("--palette") { Description = "2D: palette of the 8-bit render (cyan is never drawn by --varied: a held-out look). TIP: your scanner's palette, for rendering pairs and the threats projected into 8-bit pseudo-colour.", DefaultValueFactory = _ => "standard" };
        palette.AcceptOnlyFromAmong("standard", "amber", "cyan", "grey");
        var jpegQuality = new Option<int>("--jpeg-quality") { Description = "2D: JPEG round trip of the render at this quality, 1-100 (0: none). TIP: write composites and negatives as JPEG at this quality, as your archive holds them, so a projected threat has the same artefacts as its background." };
        var downscale = new Option<double>("--downscale") { Description = "2D: write the scan at this scale, (0, 1] (0.5: half resolution; boxes scaled).", DefaultValueFactory = _ => 1.0 };
        var clutter = new Option<double>("--clutter") { Description = "Multiply the number of benign items (2: heavier clutter; for CT, half the extra items are look-alike blocks of cheese, soap or chocolate).", DefaultValueFactory = _ => 1.0 };
        var unseen = new Option<bool>("--unseen-concealment") { Description = "2D: hide every threat (not cargo's) in a carrier no training set has - hollowed book, shampoo bottle, coffee bag, stuffed toy, swallowed-style pellets: a held-out concealment for robustness tests." };
        var concealed = new Option<double>("--concealed-share") { Description = "2D: share of threats (not cargo's) hidden inside an ordinary item - electronics, a food tin, a shoe sole or a false bottom, in equal parts; raise it to train on those concealments.", DefaultValueFactory = _ => 0.2 };
        var concealments = new Option<string>("--concealments") { Description = "2D: the hiding places of --concealed-share, comma-separated, drawn in equal parts: electronics, food-tin, shoe-sole, false-bottom (the default four) and suitcase-frame (powder packed into a frame rail or handle tube).", DefaultValueFactory = _ => string.Join(",", SynthOptions.DefaultConcealments) };
        var varied = new Option<bool>("--varied") { Description = "2D: each scene draws its own scanner (palette, dose, blur, downscale, JPEG) - for training sets." };
        var backgrounds = new Option<DirectoryInfo>("--backgrounds")
        {
            Description = "TIP dataset: project synthetic threats into the clean scans of this folder (8/16-bit grey, 8-bit pseudo-colour or 16-bit dual-energy pairs), inside the bag, and write them with exact boxes plus the backgrounds as negatives.",
        };
        var perBackground = new Option<int>("--per-background") { Description = "TIP: composites per background.", DefaultValueFactory = _ => 2 };
        var threatsPer = new Option<string>("--threats") { Description = "TIP: threats per composite, N or MIN-MAX.", DefaultValueFactory = _ => "1-2" };
        var pitch = new Option<double>("--mm-per-pixel") { Description = "TIP: the backgrounds' pixel pitch; threats are drawn at real size for it.", DefaultValueFactory = _ => 1.0 };
        var noNegatives = new Option<bool>("--no-negatives") { Description = "TIP: do not write the backgrounds themselves as negatives." };
        backgrounds.AcceptExistingOnly();
        var cmd = new Command("synth", "Synthesise dual-energy X-ray scans with exact ground truth (COCO, YOLO, per-scene metadata), or, with --backgrounds, a TIP dataset from your own clean scans.");
        foreach (Option opt in new Option[] { backgrounds, perBackground, threatsPer, pitch, noNegatives })
        {
            cmd.Add(opt);
        }

        foreach (Option opt in new Option[] { kind, count, seed, outDir, rate, width, height, depth, sliceStep, renderFormat, noRaw, compress, noSlices, dose, palette, jpegQuality, downscale, clutter, concealed, concealments, unseen, varied })
        {
            cmd.Add(opt);
        }

        cmd.SetAction(r =>
        {
            TextWriter o = r.InvocationConfiguration.Output;
            int n = r.GetValue(count);
            if (n < 0 || r.GetValue(rate) is < 0 or > 1 || r.GetValue(dose) <= 0 || r.GetValue(jpegQuality) is < 0 or > 100
                || r.GetValue(downscale) is <= 0 or > 1 || r.GetValue(clutter) is < 0 or > 10 || r.GetValue(concealed) is not (>= 0 and <= 1))
            {
                r.InvocationConfiguration.Error.WriteLine("xray: --count must be >= 0, --threat-rate in [0, 1], --dose > 0, --jpeg-quality in [0, 100], --downscale in (0, 1], --clutter in [0, 10], --concealed-share in [0, 1]");
                return ExitCodes.UsageError;
            }

            string[] hiding = (r.GetValue(concealments) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            string? unknown = hiding.FirstOrDefault(h => !SynthOptions.KnownConcealments.Contains(h, StringComparer.Ordinal));
            if (hiding.Length == 0 || unknown is not null)
            {
                r.InvocationConfiguration.Error.WriteLine(unknown is null
                    ? "xray: --concealments needs at least one hiding place"
                    : $"xray: --concealments: unknown hiding place '{unknown}' (known: {string.Join(", ", SynthOptions.KnownConcealments)})");
                return ExitCodes.UsageError;
            }

            string dir = r.GetValue(outDir)!.FullName;
            if (r.GetValue(backgrounds) is { } bg)
            {
                return Tip(r, bg.FullName, dir, r.GetValue(perBackground), r.GetValue(threatsPer) ?? "1-2", r.GetValue(pitch), !r.GetValue(noNegatives), r.GetValue(seed), Enum.Parse<ScanPalette>(r.GetValue(palette)!, ignoreCase: true), r.GetValue(jpegQuality));
            }

            if (r.GetValue(kind) is null)
            {
                r.InvocationConfiguration.Error.WriteLine("xray: --kind is required (mail, express, baggage, cargo or ct), unless --backgrounds builds a TIP dataset");
                return ExitCodes.UsageError;
            }

            var sw = Stopwatch.StartNew();
            IProgress<int> progress = Progress(r.InvocationConfiguration.Error, n, sw);
            if (r.GetValue(kind) == "ct")
            {
                int nx = r.GetValue(width) > 0 ? r.GetValue(width) : 256, ny = r.GetValue(height) > 0 ? r.GetValue(height) : 256;
                int nz = r.GetValue(depth) > 0 ? r.GetValue(depth) : 128;
                CtWriter.Write(r.GetValue(seed), n, nx, ny, nz, r.GetValue(rate), Math.Max(1, r.GetValue(sliceStep)), r.GetValue(compress), !r.GetValue(noSlices), dir, progress, r.GetValue(clutter));
                o.WriteLine($"xray synth: {n} ct volumes {nx}x{ny}x{nz} (seed {r.GetValue(seed)}) in {sw.Elapsed.TotalSeconds:0.0} s -> {dir}");
                return ExitCodes.Ok;
            }

            var opts = new SynthOptions
            {
                Kind = Enum.Parse<SceneKind>(r.GetValue(kind)!, ignoreCase: true),
                Seed = r.GetValue(seed),
                ThreatRate = r.GetValue(rate),
                Width = r.GetValue(width),
                Height = r.GetValue(height),
                Dose = r.GetValue(dose),
                RenderFormat = r.GetValue(renderFormat)!,
                WriteRaw = !r.GetValue(noRaw),
                Palette = Enum.Parse<ScanPalette>(r.GetValue(palette)!, ignoreCase: true),
                JpegQuality = r.GetValue(jpegQuality),
                Downscale = r.GetValue(downscale),
                ClutterScale = r.GetValue(clutter),
                ConcealedShare = r.GetValue(concealed),
                Concealments = hiding,
                UnseenConcealment = r.GetValue(unseen),
                Varied = r.GetValue(varied),
            };
            SynthWriter.Write(opts, n, dir, progress);
            o.WriteLine($"xray synth: {n} {opts.Kind.ToString().ToLowerInvariant()} scenes (seed {opts.Seed}) in {sw.Elapsed.TotalSeconds:0.0} s -> {dir}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>A progress line on stderr at most every 2 s, and at the end.</summary>
    private static IProgress<int> Progress(TextWriter err, int n, Stopwatch sw)
    {
        long last = 0;
        return new SyncProgress(done =>
        {
            long now = sw.ElapsedMilliseconds;
            if (now - Interlocked.Read(ref last) > 2000 || done == n)
            {
                Interlocked.Exchange(ref last, now);
                lock (err)
                {
                    err.WriteLine($"xray synth: {done}/{n}");
                }
            }
        });
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; posts to the thread pool and can print after the command returned).</summary>
    private sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }

    private static int Tip(ParseResult r, string backgrounds, string dir, int perBackground, string threats, double pitch, bool negatives, long seed, ScanPalette palette, int jpegQuality)
    {
        TextWriter err = r.InvocationConfiguration.Error;
        string[] parts = threats.Split('-');
        if (perBackground is < 1 or > 1000 || pitch <= 0 || parts.Length is < 1 or > 2
            || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out int min) || !int.TryParse(parts[^1], CultureInfo.InvariantCulture, out int max) || min < 0 || max < min || max > 20)
        {
            err.WriteLine("xray: --per-background must be in [1, 1000], --threats N or MIN-MAX within [0, 20], --mm-per-pixel > 0");
            return ExitCodes.UsageError;
        }

        var sw = Stopwatch.StartNew();
        TipDatasetReport rep;
        try
        {
            rep = TipDataset.Build(backgrounds, dir, new TipDatasetOptions { PerBackground = perBackground, MinThreats = min, MaxThreats = max, MmPerPixel = pitch, Negatives = negatives, Seed = seed, Palette = palette, JpegQuality = jpegQuality }, err);
        }
        catch (ArgumentException ex)
        {
            err.WriteLine($"xray: {ex.Message}");
            return ExitCodes.UsageError;
        }
        catch (IOException ex)
        {
            err.WriteLine($"xray: cannot write {dir}: {ex.Message}");
            return ExitCodes.RunFailed;
        }

        foreach (string s in rep.Skipped)
        {
            err.WriteLine($"xray: skipped {s}");
        }

        r.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"xray synth: TIP dataset from {rep.Backgrounds} background(s): {rep.Composites} composites with {rep.Threats} threats ({rep.ThreatsNotPlaced} found no place inside a bag), {rep.Negatives} negatives in {sw.Elapsed.TotalSeconds:0.0} s -> {dir}"));
        return rep.Skipped.Count > 0 ? ExitCodes.SomeInputsNotOk : ExitCodes.Ok;
    }
}
