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
        foreach (string f in ordered)
        {
            string full = System.IO.Path.GetFullPath(f);
            if (used.Contains(full))
            {
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

    [GeneratedRegex(@"^(?<stem>.+)_(?<e>high|low)(?<ext>\.[A-Za-z0-9]+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex EnergySuffix();
}
