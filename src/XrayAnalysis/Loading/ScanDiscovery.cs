using System.Text.RegularExpressions;

namespace XrayAnalysis.Loading;

/// <summary>
/// Expands command-line inputs (files, folders searched recursively, and globs with <c>*</c>, <c>?</c> and <c>**</c>)
/// into <see cref="ScanInput"/>s, pairing <c>NAME_high.EXT</c> with <c>NAME_low.EXT</c> in the same folder.
/// </summary>
public static partial class ScanDiscovery
{
    /// <summary>Extensions picked up when a folder or a glob is searched. Files named explicitly are always taken.</summary>
    public static readonly IReadOnlySet<string> ImageExtensions =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp", ".dcs", ".dcm", ".dicom" };

    /// <summary>Why an input expanded to nothing: a missing path, or a folder without scan files.</summary>
    internal static string MissingReason(string input) => Directory.Exists(input)
        ? "the folder holds no scan files (PNG, TIFF, JPEG, BMP, or DICOS: .dcs, .dcm, or any file with DICM at byte 128)"
        : "no such file, folder or matching glob";

    /// <summary>Whether a file met in a folder is taken: by extension, or, without one, by the DICOS/DICOM magic.</summary>
    internal static bool IsScanFile(string path)
    {
        string ext = System.IO.Path.GetExtension(path);
        if (ImageExtensions.Contains(ext))
        {
            return true;
        }

        if (ext.Length > 1 && !ext[1..].All(char.IsAsciiDigit))
        {
            return false; // DICOM file sets name files like 1.2.840.113619.2.55; a numeric "extension" counts as none.
        }

        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            Span<byte> head = stackalloc byte[132];
            return fs.ReadAtLeast(head, 132, throwOnEndOfStream: false) == 132 && Dicos.DicomParser.IsDicom(head);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Expands <paramref name="inputs"/>; names that match nothing are returned in <paramref name="missing"/>.</summary>
    public static IReadOnlyList<ScanInput> Discover(IEnumerable<string> inputs, out IReadOnlyList<string> missing)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var notFound = new List<string>();
        foreach (string input in inputs)
        {
            int before = files.Count;
            if (File.Exists(input))
            {
                Add(input);
            }
            else if (Directory.Exists(input))
            {
                foreach (string f in Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories))
                {
                    if (IsScanFile(f))
                    {
                        Add(f);
                    }
                }
            }
            else if (input.IndexOfAny(['*', '?']) >= 0)
            {
                foreach (string f in ExpandGlob(input))
                {
                    Add(f);
                }
            }

            if (files.Count == before && !File.Exists(input))
            {
                notFound.Add(input);
            }
        }

        missing = notFound;
        return Pair(files);

        void Add(string f)
        {
            string full = System.IO.Path.GetFullPath(f);
            if (seen.Add(full))
            {
                files.Add(f);
            }
        }
    }

    /// <summary>Groups <c>_high</c>/<c>_low</c> files into pairs, keeping the order of first appearance; natural sort within a folder.</summary>
    internal static IReadOnlyList<ScanInput> Pair(IReadOnlyList<string> files)
    {
        var ordered = files.OrderBy(f => System.IO.Path.GetDirectoryName(f), StringComparer.Ordinal)
            .ThenBy(f => f, NaturalStringComparer.Instance).ToList();
        var byKey = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string f in ordered)
        {
            byKey[System.IO.Path.GetFullPath(f)] = f;
        }

        var result = new List<ScanInput>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        Dictionary<string, (string High, string Low, string Name)> dicosPairs = DicosEnergyPairs(ordered);
        foreach (string f in ordered)
        {
            string full = System.IO.Path.GetFullPath(f);
            if (used.Contains(full))
            {
                continue;
            }

            if (dicosPairs.TryGetValue(full, out var dp))
            {
                used.Add(System.IO.Path.GetFullPath(dp.High));
                used.Add(System.IO.Path.GetFullPath(dp.Low));
                result.Add(ScanInput.Pair(dp.High, dp.Low, dp.Name));
                continue;
            }

            Match m = EnergySuffix().Match(System.IO.Path.GetFileName(f));
            if (m.Success)
            {
                string dir = System.IO.Path.GetDirectoryName(full)!;
                string stem = m.Groups["stem"].Value;
                string ext = m.Groups["ext"].Value;
                bool isHigh = m.Groups["e"].Value.Equals("high", StringComparison.OrdinalIgnoreCase);
                string otherFull = System.IO.Path.Combine(dir, stem + "_" + (isHigh ? "low" : "high") + ext);
                string? other = byKey.GetValueOrDefault(otherFull) ?? FindCaseInsensitive(dir, stem, isHigh ? "low" : "high", ext);
                if (other is not null)
                {
                    used.Add(full);
                    used.Add(System.IO.Path.GetFullPath(other));
                    result.Add(isHigh ? ScanInput.Pair(f, other, stem) : ScanInput.Pair(other, f, stem));
                    continue;
                }
            }

            used.Add(full);
            result.Add(ScanInput.Single(f));
        }

        return result;
    }

    /// <summary>
    /// Dual-energy DICOS DX: two DX images of one series in one folder, of the same size, taken at different tube
    /// voltages (KVP, 0018,0060) are one scan; the higher voltage is the high-energy image. Only headers are read
    /// (the first MiB of each file); a file whose header cannot be read is left to the loader, which reports it.
    /// </summary>
    private static Dictionary<string, (string High, string Low, string Name)> DicosEnergyPairs(IReadOnlyList<string> files)
    {
        var found = new Dictionary<string, (string, string, string)>(StringComparer.Ordinal);
        var headers = new List<(string Path, string Key, double Kvp)>();
        foreach (string f in files)
        {
            if (ReadDxHeader(f) is { } h)
            {
                headers.Add((f, h.Key, h.Kvp));
            }
        }

        foreach (var g in headers.GroupBy(h => h.Key, StringComparer.Ordinal))
        {
            var two = g.ToList();
            if (two.Count != 2 || two[0].Kvp == two[1].Kvp)
            {
                continue;
            }

            (string high, string low) = two[0].Kvp > two[1].Kvp ? (two[0].Path, two[1].Path) : (two[1].Path, two[0].Path);
            string name = CommonStem(System.IO.Path.GetFileNameWithoutExtension(high), System.IO.Path.GetFileNameWithoutExtension(low));
            found[System.IO.Path.GetFullPath(high)] = (high, low, name);
            found[System.IO.Path.GetFullPath(low)] = (high, low, name);
        }

        return found;
    }

    private static (string Key, double Kvp)? ReadDxHeader(string path)
    {
        string ext = System.IO.Path.GetExtension(path);
        if (ext.Length > 1 && ImageExtensions.Contains(ext) && ext is not (".dcs" or ".dcm" or ".dicom"))
        {
            return null; // PNG, TIFF, JPEG, BMP: never opened here
        }

        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            Dicos.DicomDataset? d = null;
            // Headers are usually a few KiB: 64 KiB first, 1 MiB when the pixel data starts later.
            foreach (int size in new[] { 64 << 10, 1 << 20 })
            {
                fs.Position = 0;
                var buf = new byte[(int)Math.Min(fs.Length, size)];
                if (fs.ReadAtLeast(buf, buf.Length, throwOnEndOfStream: false) != buf.Length || !Dicos.DicomParser.IsDicom(buf))
                {
                    return null;
                }

                try
                {
                    d = Dicos.DicomParser.Parse(buf, stopAtPixelData: true).Dataset;
                    break;
                }
                catch (Dicos.DicosException ex) when (ex.Status == ScanStatus.Incomplete && buf.Length < fs.Length)
                {
                    // Read more.
                }
            }

            if (d is null)
            {
                return null;
            }

            string? series = d.String(0x0020000E);
            double? kvp = d.Real(0x00180060);
            if (series is not { Length: > 0 } || kvp is null || (d.Integer(0x00280008) ?? 1) != 1 || string.Equals(d.String(0x00080060), "CT", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            return ($"{System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))}|{series}|{d.Integer(0x00280010)}x{d.Integer(0x00280011)}", kvp.Value);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Dicos.DicosException)
        {
            return null;
        }
    }

    private static string CommonStem(string a, string b)
    {
        int n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n])
        {
            n++;
        }

        string common = a[..n].TrimEnd('_', '-', '.', ' ');
        return common.Length > 0 ? common : a;
    }

    private static string? FindCaseInsensitive(string dir, string stem, string energy, string ext)
    {
        string candidate = System.IO.Path.Combine(dir, stem + "_" + energy + ext);
        return File.Exists(candidate) ? candidate : null;
    }

    private static IEnumerable<string> ExpandGlob(string pattern)
    {
        string full = System.IO.Path.GetFullPath(pattern);
        int firstWild = full.IndexOfAny(['*', '?']);
        int rootEnd = full.LastIndexOf(System.IO.Path.DirectorySeparatorChar, firstWild);
        string root = rootEnd <= 0 ? "/" : full[..rootEnd];
        if (!Directory.Exists(root))
        {
            yield break;
        }

        string relPattern = full[(rootEnd + 1)..];
        var regex = new Regex("^" + GlobToRegex(relPattern) + "$", RegexOptions.CultureInvariant);
        bool recursive = relPattern.Contains('/', StringComparison.Ordinal) || relPattern.Contains("**", StringComparison.Ordinal);
        foreach (string f in Directory.EnumerateFiles(root, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly))
        {
            string rel = System.IO.Path.GetRelativePath(root, f);
            if (regex.IsMatch(rel))
            {
                yield return f;
            }
        }
    }

    private static string GlobToRegex(string glob)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < glob.Length; i++)
        {
            char c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                // "**/" matches zero or more folders.
                bool slash = i + 2 < glob.Length && glob[i + 2] == '/';
                sb.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else if (c == '*')
            {
                sb.Append("[^/]*");
            }
            else if (c == '?')
            {
                sb.Append("[^/]");
            }
            else
            {
                sb.Append(Regex.Escape(c.ToString()));
            }
        }

        return sb.ToString();
    }

    /// <summary>The common stem of a <c>NAME_high.EXT</c> or <c>NAME_low.EXT</c> file (<c>NAME</c>), or null for any other name.</summary>
    internal static string? PairStem(string path)
    {
        Match m = EnergySuffix().Match(System.IO.Path.GetFileName(path));
        return m.Success ? m.Groups["stem"].Value : null;
    }

    /// <summary>
    /// The partner of one file of a <c>NAME_high.EXT</c>/<c>NAME_low.EXT</c> pair, in the same folder with the same
    /// extension (whether or not it exists), or null when the name has no energy suffix.
    /// </summary>
    internal static string? PartnerOf(string path)
    {
        Match m = EnergySuffix().Match(System.IO.Path.GetFileName(path));
        if (!m.Success)
        {
            return null;
        }

        bool isHigh = m.Groups["e"].Value.Equals("high", StringComparison.OrdinalIgnoreCase);
        string dir = System.IO.Path.GetDirectoryName(path) ?? string.Empty;
        return System.IO.Path.Combine(dir, m.Groups["stem"].Value + "_" + (isHigh ? "low" : "high") + m.Groups["ext"].Value);
    }

    /// <summary>True when <paramref name="path"/> names the high-energy file of a pair.</summary>
    internal static bool IsHighEnergy(string path)
    {
        Match m = EnergySuffix().Match(System.IO.Path.GetFileName(path));
        return m.Success && m.Groups["e"].Value.Equals("high", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A pair's scan name, as discovery gives it: NAME for NAME_high/NAME_low, else the files' common stem.</summary>
    internal static string PairName(string highPath, string lowPath)
    {
        Match m = EnergySuffix().Match(System.IO.Path.GetFileName(highPath));
        return m.Success ? m.Groups["stem"].Value
            : CommonStem(System.IO.Path.GetFileNameWithoutExtension(highPath), System.IO.Path.GetFileNameWithoutExtension(lowPath));
    }

    [GeneratedRegex(@"^(?<stem>.+)_(?<e>high|low)(?<ext>\.[A-Za-z0-9]+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex EnergySuffix();
}
