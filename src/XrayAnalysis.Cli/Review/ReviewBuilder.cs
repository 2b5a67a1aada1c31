using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using OpenCvSharp;
using XrayAnalysis.Loading;
using XrayAnalysis.Outputs;
using XrayAnalysis.Viewing;

namespace XrayAnalysis.Cli.Review;

/// <summary>Settings of one review build.</summary>
internal sealed record ReviewOptions
{
    /// <summary>Folder that receives index.html and scans/ (default: OUTDIR/review).</summary>
    public required string OutDir { get; init; }

    /// <summary>COCO ground-truth files; empty: no TP/FP/FN marks.</summary>
    public IReadOnlyList<string> GroundTruth { get; init; } = [];

    /// <summary>How scans are rendered for the page.</summary>
    public ViewSettings View { get; init; } = ViewSettings.Standard;

    /// <summary>Boxes below this score are not drawn (listed greyed in the detail view).</summary>
    public double DisplayFloor { get; init; } = OverlayStyle.Default.DisplayFloor;

    /// <summary>IoU at or above which an alarm matches a ground-truth box of its class.</summary>
    public double MatchIou { get; init; } = 0.5;

    /// <summary>Scans rendered at once.</summary>
    public int Jobs { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Pyramid tile edge in pixels.</summary>
    public int TileSize { get; init; } = 256;

    /// <summary>JPEG quality of tiles and thumbnails.</summary>
    public int JpegQuality { get; init; } = 90;
}

/// <summary>What a build did.</summary>
internal sealed record ReviewSummary(string IndexPath, int Scans, int Rendered, int Reused, int WithoutImage, IReadOnlyList<string> Warnings, TimeSpan Elapsed);

/// <summary>
/// <c>xray review</c>: turns the results of one or more <c>xray detect</c> / <c>xray batch</c> runs into a static review
/// page: <c>index.html</c> (page, script, style and all result data inline; no server, no network) and <c>scans/ID/</c>
/// (a thumbnail and a JPEG tile pyramid per scan, rendered from the source scan so that zoom stays sharp). The overlay is
/// drawn by the page as vectors over the tiles, so it toggles and stays crisp at every zoom. Scans are rendered in
/// parallel; a scan whose source and settings have not changed since the last build is reused.
/// </summary>
internal static class ReviewBuilder
{
    private const int FormatVersion = 1;

    /// <summary>Most detections per scan the page carries.</summary>
    internal const int MaxDetectionsShown = 1000;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // The default encoder escapes <, >, &, ' and non-ASCII: names from a hostile archive cannot close the script tag.
        Encoder = JavaScriptEncoder.Default,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Whether <paramref name="json"/> is an <c>xray volume</c> result (it has the volume's dimensions and slice count).</summary>
    internal static bool IsVolumeResult(byte[] json)
    {
        try
        {
            using JsonDocument d = JsonDocument.Parse(json);
            return d.RootElement.ValueKind == JsonValueKind.Object && d.RootElement.TryGetProperty("slices_processed", out _) && d.RootElement.TryGetProperty("dims", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Result files under <paramref name="root"/>: JSON files inside a <c>results</c> folder at any depth (<c>xray detect</c>
    /// writes <c>results/NAME.json</c>, <c>xray batch</c> <c>results/gN/ab/SHA.json</c>), in a stable order, skipping
    /// <paramref name="exclude"/>.
    /// </summary>
    public static List<string> FindResults(string root, string exclude)
    {
        string ex = Path.GetFullPath(exclude).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint, MaxRecursionDepth = 16 };
        return Directory.EnumerateFiles(root, "*.json", options)
            .Where(p => Path.GetRelativePath(root, Path.GetDirectoryName(p)!).Split(Path.DirectorySeparatorChar).Contains("results", StringComparer.Ordinal))
            .Where(p => !Path.GetFullPath(p).StartsWith(ex, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Builds the page for the results under <paramref name="root"/>.</summary>
    /// <exception cref="FormatException">A ground-truth file is not valid COCO.</exception>
    public static ReviewSummary Build(string root, ReviewOptions options, TextWriter log, CancellationToken ct = default)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        root = Path.GetFullPath(root);
        string outDir = Path.GetFullPath(options.OutDir);
        ReviewGroundTruth? gt = options.GroundTruth.Count > 0 ? ReviewGroundTruth.Load(options.GroundTruth) : null;
        List<string> files = FindResults(root, outDir);
        string scansDir = Path.Combine(outDir, "scans");
        Directory.CreateDirectory(scansDir);
        // One build per review folder at a time: a second one would remove the first one's scans as stale.
        using OutputLock folderLock = OutputLock.Acquire(outDir);
        var warnings = new ConcurrentBag<string>();
        var items = new ReviewItem?[files.Count];
        int rendered = 0, reused = 0, withoutImage = 0;
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = options.Jobs, CancellationToken = ct }, i =>
        {
            ReviewItem? item = BuildOne(files[i], root, outDir, scansDir, gt, options, warnings);
            items[i] = item;
            switch (item?.ImageState)
            {
                case "rendered": Interlocked.Increment(ref rendered); break;
                case "reused": Interlocked.Increment(ref reused); break;
                case null: break; // a CT volume's result: not a scan
                default: Interlocked.Increment(ref withoutImage); break;
            }
        });

        List<ReviewItem> shown = items.OfType<ReviewItem>().ToList();
        RemoveStale(scansDir, shown.Select(x => x.Id).ToHashSet(StringComparer.Ordinal));
        var page = new ReviewPage(
            FormatVersion,
            DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            Display(root),
            options.View.ToString(),
            options.DisplayFloor,
            gt is not null ? options.MatchIou : null,
            shown.SelectMany(x => x.Detections.Select(d => d.Name)).Concat(shown.SelectMany(x => x.Truth?.Select(t => t.Name) ?? [])).Distinct().Order(StringComparer.Ordinal).ToList(),
            shown);
        string index = Path.Combine(outDir, "index.html");
        AtomicFile.WriteAllText(index, ReviewHtml.Page(JsonSerializer.Serialize(page, Json)));
        var w = warnings.Order(StringComparer.Ordinal).ToList();
        return new ReviewSummary(index, shown.Count, rendered, reused, withoutImage, w, sw.Elapsed);
    }

    /// <summary>One scan's item; null for a CT volume's result (<c>xray volume</c> output), which the page does not show.</summary>
    private static ReviewItem? BuildOne(string file, string root, string outDir, string scansDir, ReviewGroundTruth? gt, ReviewOptions o, ConcurrentBag<string> warnings)
    {
        string rel = Path.GetRelativePath(root, file);
        ScanResult? r;
        byte[] bytes = [];
        try
        {
            var fi = new FileInfo(file);
            if (fi.Length > 64L << 20)
            {
                throw new InvalidDataException($"{fi.Length} bytes is more than a result file can be (64 MiB)");
            }

            bytes = File.ReadAllBytes(file);
            r = ResultJson.Deserialize<ScanResult>(bytes);
            if (r is null || r.Input is null || r.Name is null)
            {
                throw new InvalidDataException("not a scan result");
            }
        }
        catch (JsonException) when (IsVolumeResult(bytes))
        {
            string pictures = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(rel)) ?? "", "pictures");
            string where = Directory.Exists(Path.Combine(root, pictures)) ? $"the volume's projections and montages are in {pictures}{Path.DirectorySeparatorChar}" : "its regions are in the JSON";
            warnings.Add($"{rel}: a CT volume's result, not shown (the page shows 2D scans; {where})");
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidDataException or NotSupportedException)
        {
            string reason = $"unreadable result: {Reasons.OneLine(ex.Message, "cannot read")}";
            warnings.Add($"{rel}: {reason}");
            return ReviewItem.Unreadable(Id(rel, Path.GetFileNameWithoutExtension(file)), Path.GetFileNameWithoutExtension(file), Rel(outDir, file), reason);
        }

        string id = Id(rel, r.Name);
        double threshold = r.Parameters?.OperatingThreshold ?? 0.5;
        string status = r.Status.ToString().ToLowerInvariant();
        string verdict = r.Status != ScanStatus.Ok ? "not ok"
            : r.UnableToClear ? "unable to clear"
            : r.Detections.Any(d => d.Score >= threshold) ? "alarm"
            : "clear";

        string resultsDir = Path.GetDirectoryName(file)!;
        string? source = Resolve(r.Input.Path, resultsDir, root);
        string? low = r.Input.LowEnergyPath is { } lp ? Resolve(lp, resultsDir, root) : null;
        List<TruthBox>? truth = null;
        if (gt is not null)
        {
            truth = gt.For(r.Name, source ?? r.Input.Path, out string? gtWarning);
            if (gtWarning is not null)
            {
                warnings.Add(gtWarning);
            }
        }

        (List<ReviewDetection> dets, List<ReviewTruth>? truthMarks) = Match(r, threshold, o, truth);
        string overlay = Path.Combine(Path.GetDirectoryName(resultsDir)!, "overlays", r.Name + ".png");
        (ReviewImage? image, string state, string? note) = r.Width is > 0 && r.Height is > 0
            ? Image(id, r, source, low, scansDir, o, warnings)
            : (null, "none", r.Status == ScanStatus.Ok ? "no image size in the result" : "the scan could not be read");
        return new ReviewItem(
            id, r.Name, r.Route, status, r.Reason, verdict, r.Width, r.Height, r.Model?.Name, threshold,
            r.Detections.Count == 0 ? 0 : r.Detections.Max(d => d.Score), dets, truthMarks,
            r.ShieldRegions?.Select(s => new ReviewShield(s.X, s.Y, s.Width, s.Height, s.AreaPixels, s.Outline, s.Holes)).ToList(),
            Rel(outDir, file), File.Exists(overlay) ? Rel(outDir, overlay) : null, r.Input.Path, image, note)
        {
            ImageState = state,
            TotalMs = r.TimingsMs is { } t ? Math.Round(t.Total, 1) : null,
            DetectionsNotShown = r.Detections.Count > MaxDetectionsShown ? r.Detections.Count - MaxDetectionsShown : null,
        };
    }

    /// <summary>Classifies detections (alarm / suggestion / below the floor) and, with ground truth, marks TP/FP and the missed (FN) boxes.</summary>
    internal static (List<ReviewDetection> Dets, List<ReviewTruth>? Truth) Match(ScanResult r, double threshold, ReviewOptions o, List<TruthBox>? truth)
    {
        // A result file is untrusted input too: the page keeps the highest-scored MaxDetectionsShown (a detector's own
        // cap is far lower), and the item says how many more the file held.
        var dets = r.Detections
            .Select((d, i) => (d, i))
            .OrderByDescending(x => x.d.Score)
            .Take(MaxDetectionsShown)
            .Select(x => new ReviewDetection(x.d.ClassId, x.d.ClassName, Math.Round(x.d.Score, 4),
                [Math.Round(x.d.X1, 1), Math.Round(x.d.Y1, 1), Math.Round(x.d.X2, 1), Math.Round(x.d.Y2, 1)],
                x.d.Score >= threshold ? "alarm" : x.d.Score >= o.DisplayFloor ? "suggestion" : "below"))
            .ToList();
        if (truth is null || r.Status != ScanStatus.Ok)
        {
            return (dets, null);
        }

        bool[] used = new bool[truth.Count];
        for (int i = 0; i < dets.Count; i++)
        {
            ReviewDetection d = dets[i];
            if (d.Tier != "alarm")
            {
                continue;
            }

            int best = -1;
            double bestIou = o.MatchIou;
            for (int g = 0; g < truth.Count; g++)
            {
                if (used[g] || !string.Equals(truth[g].ClassName, d.Name, StringComparison.Ordinal))
                {
                    continue;
                }

                double iou = IoU(d.Box, truth[g]);
                if (iou >= bestIou)
                {
                    (best, bestIou) = (g, iou);
                }
            }

            if (best >= 0)
            {
                used[best] = true;
            }

            dets[i] = d with { Mark = best >= 0 ? "tp" : "fp" };
        }

        var marks = truth.Select((t, g) => new ReviewTruth(t.ClassName, [Math.Round(t.X1, 1), Math.Round(t.Y1, 1), Math.Round(t.X2, 1), Math.Round(t.Y2, 1)], used[g] ? "tp" : "fn")).ToList();
        return (dets, marks);
    }

    private static double IoU(double[] a, TruthBox b)
    {
        double iw = Math.Min(a[2], b.X2) - Math.Max(a[0], b.X1), ih = Math.Min(a[3], b.Y2) - Math.Max(a[1], b.Y1);
        if (iw <= 0 || ih <= 0)
        {
            return 0;
        }

        double inter = iw * ih, union = ((a[2] - a[0]) * (a[3] - a[1])) + ((b.X2 - b.X1) * (b.Y2 - b.Y1)) - inter;
        return union > 0 ? inter / union : 0;
    }

    /// <summary>Renders (or reuses) the scan's thumbnail and tile pyramid.</summary>
    private static (ReviewImage? Image, string State, string? Note) Image(string id, ScanResult r, string? source, string? low, string scansDir, ReviewOptions o, ConcurrentBag<string> warnings)
    {
        if (source is null || (r.Input.LowEnergyPath is not null && low is null))
        {
            warnings.Add($"{r.Name}: source scan {r.Input.Path}{(r.Input.LowEnergyPath is { } l ? " + " + l : "")} not found; shown without an image");
            return (null, "none", $"source scan not found: {r.Input.Path}");
        }

        string dir = Path.Combine(scansDir, id);
        string key = string.Join('\n', FormatVersion, r.Input.Sha256, r.Input.LowEnergySha256, o.View, o.TileSize, o.JpegQuality, r.Width, r.Height);
        string keyFile = Path.Combine(dir, "key.txt");
        string infoFile = Path.Combine(dir, "pyramid.json");
        try
        {
            if (File.Exists(keyFile) && File.ReadAllText(keyFile) == key && File.Exists(infoFile)
                && JsonSerializer.Deserialize<PyramidInfo>(File.ReadAllText(infoFile), Json) is { } cached)
            {
                return (new ReviewImage($"scans/{id}/thumb.jpg", $"scans/{id}/tiles", cached.Width, cached.Height, cached.TileSize, cached.Levels, cached.Format), "reused", null);
            }
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            // A damaged cache is rebuilt below.
        }

        string tmp = Path.Combine(scansDir, $".{id}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using ScanImage scan = low is null ? ScanImage.FromFile(source) : ScanImage.FromDualEnergyFiles(source, low);
            string? note = null;
            if (r.Input.Sha256 is { } want && !string.Equals(scan.Sha256, want, StringComparison.OrdinalIgnoreCase))
            {
                note = "the source file has changed since detection: the image may not match the boxes";
                warnings.Add($"{r.Name}: {source}: {note}");
            }

            if (scan.Width != r.Width || scan.Height != r.Height)
            {
                return (null, "none", $"source scan is {scan.Width} x {scan.Height}, the result says {r.Width} x {r.Height}");
            }

            ViewImage view = ScanViewer.Render(scan, o.View);
            using Mat bgr = view.AsMat();
            Directory.CreateDirectory(tmp);
            File.WriteAllBytes(Path.Combine(tmp, "thumb.jpg"), TilePyramid.Thumbnail(bgr, 320, 200, o.JpegQuality));
            PyramidInfo info = TilePyramid.Write(bgr, Path.Combine(tmp, "tiles"), o.TileSize, o.JpegQuality);
            File.WriteAllText(Path.Combine(tmp, "pyramid.json"), JsonSerializer.Serialize(info, Json));
            File.WriteAllText(Path.Combine(tmp, "key.txt"), note is null ? key : "changed");
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }

            Directory.Move(tmp, dir);
            return (new ReviewImage($"scans/{id}/thumb.jpg", $"scans/{id}/tiles", info.Width, info.Height, info.TileSize, info.Levels, info.Format), "rendered", note);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or XrayAnalysisException or InvalidDataException or FormatException or NotSupportedException or OpenCVException or ArgumentException)
        {
            string reason = Reasons.OneLine(ex.Message, "cannot render");
            warnings.Add($"{r.Name}: cannot render {source}: {reason}");
            return (null, "none", $"cannot render the scan: {reason}");
        }
        finally
        {
            if (Directory.Exists(tmp))
            {
                try
                {
                    Directory.Delete(tmp, recursive: true);
                }
                catch (IOException)
                {
                    // Left for the next build's stale sweep.
                }
            }
        }
    }

    /// <summary>A result's input path as it exists now: absolute, else relative to the working folder, the results' folders or the reviewed root and its parents.</summary>
    private static string? Resolve(string path, string resultsDir, string root)
    {
        if (Path.IsPathRooted(path))
        {
            return File.Exists(path) ? path : null;
        }

        var bases = new List<string> { Directory.GetCurrentDirectory() };
        for (string? d = resultsDir; d is not null && bases.Count < 12; d = Path.GetDirectoryName(d))
        {
            bases.Add(d);
        }

        for (string? d = root; d is not null && bases.Count < 24; d = Path.GetDirectoryName(d))
        {
            bases.Add(d);
        }

        return bases.Select(b => Path.Combine(b, path)).FirstOrDefault(File.Exists);
    }

    private static void RemoveStale(string scansDir, HashSet<string> keep)
    {
        foreach (string d in Directory.EnumerateDirectories(scansDir))
        {
            string name = Path.GetFileName(d);
            if (!keep.Contains(name))
            {
                try
                {
                    Directory.Delete(d, recursive: true);
                }
                catch (IOException)
                {
                    // Another build may be using it; harmless to leave.
                }
            }
        }
    }

    /// <summary>A folder-safe, unique and stable id: the scan name reduced to [A-Za-z0-9._-] and a hash of the result's path.</summary>
    private static string Id(string resultPath, string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (char c in name.Length > 80 ? name[..80] : name)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_');
        }

        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(resultPath)))[..10];
        return $"{sb.ToString().TrimStart('.')}-{hash}";
    }

    /// <summary>The reviewed folder as the page names it: relative to the working folder when inside it.</summary>
    private static string Display(string root)
    {
        string rel = Path.GetRelativePath(Directory.GetCurrentDirectory(), root);
        return rel.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(rel) ? root : rel;
    }

    private static string Rel(string outDir, string path) => Path.GetRelativePath(outDir, path).Replace(Path.DirectorySeparatorChar, '/');
}
