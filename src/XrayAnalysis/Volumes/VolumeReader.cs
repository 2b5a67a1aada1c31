using System.Globalization;
using System.Text;
using OpenCvSharp;
using XrayAnalysis.Loading;

namespace XrayAnalysis.Volumes;

/// <summary>
/// Opens volumes as slice streams: MetaImage (.mhd/.mha; raw or zlib), NRRD (.nrrd/.nhdr; raw or gzip), a folder of
/// slice images (natural sort order; gaps in the numbering are reported), or a multi-page TIFF (page cap). Headers are
/// checked before any voxel is read: positive dimensions, no overflow, a voxel cap, a data file that sits beside its
/// header (no folders, no "..", not absolute), and data sizes that match.
/// </summary>
public static class VolumeReader
{
    /// <summary>Largest accepted voxel count (default 2^31: a 1024 × 1024 × 2048 volume).</summary>
    public const long DefaultMaxVoxels = 1L << 31;

    private const int MaxHeaderBytes = 64 * 1024;

    /// <summary>
    /// Opens a volume by content and extension (MetaImage, NRRD, multi-page TIFF, slice folder) after checking its header:
    /// size, voxel cap, path traversal. Throws <see cref="Loading.ScanLoadException"/> with status and reason for a bad volume.
    /// </summary>
    public static IVolumeSource Open(string path, long maxVoxels = DefaultMaxVoxels, int maxPages = 4096)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            var dicos = Directory.GetFiles(path).Where(ScanDiscovery.IsScanFile).Where(DicosVolumeSource.IsDicos).ToList();
            return dicos.Count > 0
                ? DicosVolumeSource.OpenSeries(path, dicos, maxPages, maxVoxels, new ScanLoaderOptions().MaxFileBytes)
                : SliceFolderSource.Open(path, maxPages);
        }

        if (FileKind.NotRegular(path) is { } kind)
        {
            throw new ScanLoadException(ScanStatus.Failed, path, kind);
        }

        if (DicosVolumeSource.IsDicos(path))
        {
            return DicosVolumeSource.OpenFile(path, maxVoxels, new ScanLoaderOptions().MaxFileBytes);
        }

        string ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".mhd" or ".mha" => OpenMetaImage(path, maxVoxels),
            ".nrrd" or ".nhdr" => OpenNrrd(path, maxVoxels),
            ".tif" or ".tiff" => SliceFolderSource.OpenMultiPage(path, maxPages, maxVoxels, new ScanLoaderOptions().MaxFileBytes),
            _ => throw new ScanLoadException(ScanStatus.Failed, path, $"unknown volume format '{ext}' (expected .mhd, .mha, .nrrd, .nhdr, .tif, a DICOS CT file, or a folder of slices or DICOS slices)"),
        };
    }

    private static IVolumeSource OpenMetaImage(string path, long maxVoxels)
    {
        (Dictionary<string, string> h, long dataOffset) = ReadHeader(path, " = ", "ElementDataFile");
        int[] dims = Ints(path, h, "DimSize", 3);
        double[] spacing = h.ContainsKey("ElementSpacing") ? Doubles(path, h, "ElementSpacing", 3) : h.ContainsKey("ElementSize") ? Doubles(path, h, "ElementSize", 3) : [1, 1, 1];
        double[] origin = h.ContainsKey("Offset") ? Doubles(path, h, "Offset", 3) : h.ContainsKey("Origin") ? Doubles(path, h, "Origin", 3) : [0, 0, 0];
        if (h.TryGetValue("NDims", out string? nd) && nd.Trim() != "3")
        {
            throw new ScanLoadException(ScanStatus.Rejected, path, $"NDims = {nd.Trim()}; only 3D volumes are supported");
        }

        if (h.TryGetValue("ElementNumberOfChannels", out string? ch) && ch.Trim() != "1")
        {
            throw new ScanLoadException(ScanStatus.Rejected, path, $"ElementNumberOfChannels = {ch.Trim()}; only scalar volumes are supported");
        }

        VoxelType type = Get(path, h, "ElementType").Trim() switch
        {
            "MET_UCHAR" => VoxelType.UInt8,
            "MET_CHAR" => VoxelType.Int8,
            "MET_USHORT" => VoxelType.UInt16,
            "MET_SHORT" => VoxelType.Int16,
            "MET_UINT" => VoxelType.UInt32,
            "MET_INT" => VoxelType.Int32,
            "MET_FLOAT" => VoxelType.Float32,
            "MET_DOUBLE" => VoxelType.Float64,
            string other => throw new ScanLoadException(ScanStatus.Rejected, path, $"ElementType {other} is not supported"),
        };
        var info = Check(path, dims, spacing, origin, type, maxVoxels);
        bool big = h.TryGetValue("BinaryDataByteOrderMSB", out string? msb) && msb.Trim().Equals("True", StringComparison.OrdinalIgnoreCase)
                   || (h.TryGetValue("ElementByteOrderMSB", out string? emsb) && emsb.Trim().Equals("True", StringComparison.OrdinalIgnoreCase));
        bool compressed = h.TryGetValue("CompressedData", out string? cd) && cd.Trim().Equals("True", StringComparison.OrdinalIgnoreCase);
        string file = Get(path, h, "ElementDataFile").Trim();
        if (file == "LOCAL")
        {
            return new RawVolumeSource(info, path, dataOffset, compressed ? "zlib" : "raw", big);
        }

        return new RawVolumeSource(info, DataFileBeside(path, file), 0, compressed ? "zlib" : "raw", big);
    }

    private static IVolumeSource OpenNrrd(string path, long maxVoxels)
    {
        byte[] head = ReadPrefix(path);
        if (head.Length < 4 || Encoding.ASCII.GetString(head, 0, 4) != "NRRD")
        {
            throw new ScanLoadException(ScanStatus.Failed, path, "not an NRRD file (no NRRD magic)");
        }

        (Dictionary<string, string> h, long dataOffset) = ReadHeader(path, ": ", null);
        if (Get(path, h, "dimension").Trim() != "3")
        {
            throw new ScanLoadException(ScanStatus.Rejected, path, $"dimension {h["dimension"].Trim()}; only 3D volumes are supported");
        }

        int[] dims = Ints(path, h, "sizes", 3);
        double[] spacing = [1, 1, 1];
        if (h.TryGetValue("spacings", out string? sp))
        {
            spacing = Doubles(path, h, "spacings", 3);
        }
        else if (h.TryGetValue("space directions", out string? dirs))
        {
            // "(sx,0,0) (0,sy,0) (0,0,sz)": the vector lengths are the spacings.
            string[] vecs = dirs.Split(')', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (vecs.Length != 3)
            {
                throw new ScanLoadException(ScanStatus.Failed, path, $"space directions '{dirs.Trim()}' is not three vectors");
            }

            spacing = vecs.Select(v => Math.Sqrt(Vector(path, "space directions", v.TrimStart('(')).Sum(x => x * x))).ToArray();
        }

        double[] origin = [0, 0, 0];
        if (h.TryGetValue("space origin", out string? so))
        {
            origin = Vector(path, "space origin", so.Trim().Trim('(', ')'));
        }

        VoxelType type = Get(path, h, "type").Trim() switch
        {
            "uchar" or "unsigned char" or "uint8" or "uint8_t" => VoxelType.UInt8,
            "signed char" or "int8" or "int8_t" or "char" => VoxelType.Int8,
            "ushort" or "unsigned short" or "unsigned short int" or "uint16" or "uint16_t" => VoxelType.UInt16,
            "short" or "short int" or "signed short" or "int16" or "int16_t" => VoxelType.Int16,
            "uint" or "unsigned int" or "uint32" or "uint32_t" => VoxelType.UInt32,
            "int" or "signed int" or "int32" or "int32_t" => VoxelType.Int32,
            "float" => VoxelType.Float32,
            "double" => VoxelType.Float64,
            string other => throw new ScanLoadException(ScanStatus.Rejected, path, $"type '{other}' is not supported"),
        };
        var info = Check(path, dims, spacing, origin, type, maxVoxels);
        string encoding = Get(path, h, "encoding").Trim() switch
        {
            "raw" => "raw",
            "gzip" or "gz" => "gzip",
            string other => throw new ScanLoadException(ScanStatus.Rejected, path, $"encoding '{other}' is not supported (raw, gzip)"),
        };
        bool big = h.TryGetValue("endian", out string? en) && en.Trim() == "big";
        if (h.TryGetValue("data file", out string? df) || h.TryGetValue("datafile", out df))
        {
            return new RawVolumeSource(info, DataFileBeside(path, df.Trim()), 0, encoding, big);
        }

        return new RawVolumeSource(info, path, dataOffset, encoding, big);
    }

    /// <summary>"x,y,z" as three finite numbers, or a failure naming the field.</summary>
    private static double[] Vector(string path, string key, string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var v = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]) || !double.IsFinite(v[i]))
            {
                throw new ScanLoadException(ScanStatus.Failed, path, $"{key} value '{parts[i]}' is not a finite number");
            }
        }

        return v.Length == 3 ? v : throw new ScanLoadException(ScanStatus.Failed, path, $"{key} '{text}' has {v.Length} values, expected 3");
    }

    private static VolumeInfo Check(string path, int[] d, double[] s, double[] o, VoxelType type, long maxVoxels)
    {
        if (d[0] <= 0 || d[1] <= 0 || d[2] <= 0)
        {
            throw new ScanLoadException(ScanStatus.Failed, path, $"dimensions {d[0]}x{d[1]}x{d[2]} must be positive");
        }

        long voxels;
        try
        {
            voxels = checked((long)d[0] * d[1] * d[2] * VolumeInfo.BytesOf(type)) / VolumeInfo.BytesOf(type);
        }
        catch (OverflowException)
        {
            throw new ScanLoadException(ScanStatus.Rejected, path, $"dimensions {d[0]}x{d[1]}x{d[2]} overflow");
        }

        // Slices, projections and reslices are single arrays: every face of the volume must fit one.
        long face = Math.Max((long)d[0] * d[1], Math.Max((long)d[2] * d[0], (long)d[2] * d[1]));
        if (voxels > maxVoxels || face > int.MaxValue / 8)
        {
            throw new ScanLoadException(ScanStatus.Rejected, path, $"{d[0]}x{d[1]}x{d[2]} = {voxels} voxels is above the {maxVoxels}-voxel cap");
        }

        if (s.Any(v => !(v > 0) || double.IsInfinity(v)))
        {
            throw new ScanLoadException(ScanStatus.Failed, path, $"spacing {string.Join(" ", s)} must be positive");
        }

        if (o.Length != 3 || o.Any(v => !double.IsFinite(v)))
        {
            throw new ScanLoadException(ScanStatus.Failed, path, $"origin {string.Join(" ", o)} must be three finite numbers");
        }

        return new VolumeInfo(path, d[0], d[1], d[2], s[0], s[1], s[2], o[0], o[1], o[2], type);
    }

    /// <summary>The data file must be a bare file name in the header's folder: no path separators, no "..", not absolute.</summary>
    internal static string DataFileBeside(string headerPath, string name)
    {
        if (name.Length == 0 || Path.IsPathRooted(name) || name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) ||
            name == ".." || name == "." || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ScanLoadException(ScanStatus.Rejected, headerPath, $"data file '{name}' must sit beside the header (a bare file name, no folders, no '..', not absolute)");
        }

        string dir = Path.GetDirectoryName(Path.GetFullPath(headerPath))!;
        string full = Path.Combine(dir, name);
        if (!File.Exists(full))
        {
            throw new ScanLoadException(ScanStatus.Failed, headerPath, $"data file '{name}' not found beside the header");
        }

        // A symbolic link is held to the same rule: its final target must also sit in the header's (real) folder.
        string real = RealPath(full);
        if (!string.Equals(Path.GetDirectoryName(real), RealPath(dir), StringComparison.Ordinal))
        {
            throw new ScanLoadException(ScanStatus.Rejected, headerPath, $"data file '{name}' is a link to {real}, outside the header's folder");
        }

        if (FileKind.NotRegular(real) is { } kind)
        {
            throw new ScanLoadException(ScanStatus.Failed, headerPath, $"data file '{name}' is {kind}");
        }

        return real;
    }

    /// <summary>The path with every symbolic link along it resolved (the file itself and its folders).</summary>
    private static string RealPath(string path)
    {
        string full = Path.GetFullPath(path);
        string? parent = Path.GetDirectoryName(full);
        string resolvedParent = parent is null ? full : RealPath(parent);
        string here = parent is null ? full : Path.Combine(resolvedParent, Path.GetFileName(full));
        FileSystemInfo? target = File.Exists(here) ? new FileInfo(here).ResolveLinkTarget(true) : Directory.Exists(here) ? new DirectoryInfo(here).ResolveLinkTarget(true) : null;
        return target is null ? here : target.FullName == here ? here : RealPath(target.FullName);
    }

    /// <summary>Reads "key SEP value" lines until the data key (MetaImage) or a blank line (NRRD); returns the data offset for attached data.</summary>
    private static (Dictionary<string, string> Header, long DataOffset) ReadHeader(string path, string sep, string? lastKey)
    {
        byte[] head = ReadPrefix(path);
        var h = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int pos = 0;
        bool first = true;
        while (pos < head.Length)
        {
            int nl = Array.IndexOf(head, (byte)'\n', pos);
            if (nl < 0)
            {
                if (head.Length >= MaxHeaderBytes)
                {
                    throw new ScanLoadException(ScanStatus.Failed, path, $"header longer than {MaxHeaderBytes} bytes");
                }

                nl = head.Length;
            }

            string line = Encoding.ASCII.GetString(head, pos, nl - pos).TrimEnd('\r');
            pos = nl + 1;
            if (first && line.StartsWith("NRRD", StringComparison.Ordinal))
            {
                first = false;
                continue;
            }

            first = false;
            if (lastKey is null && line.Length == 0)
            {
                return (h, pos);
            }

            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            int eq = line.IndexOf(sep, StringComparison.Ordinal);
            if (eq < 0 && sep == " = ")
            {
                eq = line.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    h[line[..eq].Trim()] = line[(eq + 1)..];
                }
            }
            else if (eq > 0)
            {
                h[line[..eq].Trim()] = line[(eq + sep.Length)..];
            }

            if (lastKey is not null && line.TrimStart().StartsWith(lastKey, StringComparison.OrdinalIgnoreCase))
            {
                return (h, pos);
            }
        }

        return (h, pos);
    }

    private static byte[] ReadPrefix(string path)
    {
        using FileStream fs = File.OpenRead(path);
        var buf = new byte[(int)Math.Min(fs.Length, MaxHeaderBytes)];
        fs.ReadExactly(buf);
        return buf;
    }

    private static string Get(string path, Dictionary<string, string> h, string key) =>
        h.TryGetValue(key, out string? v) ? v : throw new ScanLoadException(ScanStatus.Failed, path, $"header has no '{key}'");

    private static int[] Ints(string path, Dictionary<string, string> h, string key, int n)
    {
        string[] parts = Get(path, h, key).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var v = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out v[i]))
            {
                throw new ScanLoadException(ScanStatus.Failed, path, $"{key} '{h[key].Trim()}' is not {n} integers");
            }
        }

        if (v.Length != n)
        {
            throw new ScanLoadException(ScanStatus.Rejected, path, $"{key} has {v.Length} values; a 3D volume needs {n}");
        }

        if (v.Any(x => x > int.MaxValue || x < int.MinValue))
        {
            throw new ScanLoadException(ScanStatus.Rejected, path, $"{key} '{h[key].Trim()}' overflows");
        }

        return v.Select(x => (int)x).ToArray();
    }

    private static double[] Doubles(string path, Dictionary<string, string> h, string key, int n)
    {
        string[] parts = Get(path, h, key).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != n)
        {
            throw new ScanLoadException(ScanStatus.Failed, path, $"{key} has {parts.Length} values, expected {n}");
        }

        return parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d
            : throw new ScanLoadException(ScanStatus.Failed, path, $"{key} value '{p}' is not a number")).ToArray();
    }
}
