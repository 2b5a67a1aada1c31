using System.Text.RegularExpressions;
using OpenCvSharp;
using XrayAnalysis.Loading;

namespace XrayAnalysis.Volumes;

/// <summary>
/// Slices from a folder of 2D images (natural sort; each read through the checked <see cref="ScanLoader"/> when its turn
/// comes) or from a multi-page TIFF (page and voxel caps checked from the IFDs before any pixel is decoded; each page is
/// then decoded alone when its turn comes, by pointing the TIFF header at that page's IFD, so memory holds one page).
/// </summary>
internal sealed partial class SliceFolderSource : IVolumeSource
{
    private readonly IReadOnlyList<string>? _files;
    private readonly byte[]? _tiff;
    private readonly long[]? _ifds;
    private readonly ScanLoader _loader = new();
    private readonly List<string> _warnings = [];
    private int _z;

    private SliceFolderSource(VolumeInfo info, IReadOnlyList<string>? files, byte[]? tiff, long[]? ifds, List<string> warnings)
    {
        Info = info;
        _files = files;
        _tiff = tiff;
        _ifds = ifds;
        _warnings = warnings;
    }

    public VolumeInfo Info { get; }

    public IReadOnlyList<string> Warnings => _warnings;

    public static SliceFolderSource Open(string dir, int maxSlices)
    {
        var files = Directory.GetFiles(dir).Where(f => ScanDiscovery.ImageExtensions.Contains(Path.GetExtension(f)))
            .OrderBy(f => Path.GetFileName(f), NaturalStringComparer.Instance).ToList();
        if (files.Count == 0)
        {
            throw new ScanLoadException(ScanStatus.Failed, dir, "no slice images (.png, .tif, .tiff, .jpg, .bmp) in the folder");
        }

        if (files.Count > maxSlices)
        {
            throw new ScanLoadException(ScanStatus.Rejected, dir, $"{files.Count} slices is above the {maxSlices}-slice cap");
        }

        var warnings = new List<string>();
        var numbers = files.Select(f => LastNumber().Match(Path.GetFileNameWithoutExtension(f))).Where(m => m.Success)
            .Select(m => long.Parse(m.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        if (numbers.Count == files.Count && numbers.Count > 1)
        {
            var missing = new List<long>();
            for (int i = 1; i < numbers.Count; i++)
            {
                for (long k = numbers[i - 1] + 1; k < numbers[i] && missing.Count < 20; k++)
                {
                    missing.Add(k);
                }
            }

            if (missing.Count > 0)
            {
                warnings.Add($"missing slices in the numbering: {string.Join(", ", missing)}{(missing.Count == 20 ? ", …" : "")}; the stack is read as it is (z spacing is wrong across the gap)");
            }
        }

        Scan first;
        try
        {
            first = new ScanLoader().Load(ScanInput.Single(files[0]));
        }
        catch (ScanLoadException ex)
        {
            throw new ScanLoadException(ex.Status, dir, $"first slice {Path.GetFileName(files[0])}: {ex.Reason}");
        }

        using (first)
        {
            return Create(dir, files, warnings, first);
        }
    }

    private static SliceFolderSource Create(string dir, List<string> files, List<string> warnings, Scan first)
    {
        var info = new VolumeInfo(dir, first.Width, first.Height, files.Count, 1, 1, 1, 0, 0, 0, first.BitDepth == 8 ? VoxelType.UInt8 : first.BitDepth == 16 ? VoxelType.UInt16 : VoxelType.Float32);
        return new SliceFolderSource(info, files, null, null, warnings);
    }

    public static SliceFolderSource OpenMultiPage(string path, int maxPages, long maxVoxels, long maxFileBytes)
    {
        long length = new FileInfo(path).Length;
        if (length > maxFileBytes)
        {
            throw new ScanLoadException(ScanStatus.Rejected, path, $"file is {length} bytes, above the {maxFileBytes}-byte cap");
        }

        byte[] bytes = File.ReadAllBytes(path);
        ImageHeader h = ImageHeaderProbe.Probe(path, bytes, maxPages);
        if (h.Format != ImageFormat.Tiff)
        {
            throw new ScanLoadException(ScanStatus.Failed, path, $"a .tif volume must be a TIFF file, this is {h.Format}");
        }

        long voxels = h.Pixels * h.PageCount;
        if (voxels > maxVoxels)
        {
            throw new ScanLoadException(ScanStatus.Rejected, path, $"{h.Width}x{h.Height}x{h.PageCount} = {voxels} voxels is above the {maxVoxels}-voxel cap");
        }

        if (h.Defect is not null)
        {
            throw new ScanLoadException(ScanStatus.Incomplete, path, h.Defect);
        }

        if (h.Channels != 1)
        {
            throw new ScanLoadException(ScanStatus.Rejected, path, $"volume pages must be single-channel, this TIFF has {h.Channels} samples per pixel");
        }

        long[] ifds = ImageHeaderProbe.TiffPageOffsets(bytes, maxPages);
        var info = new VolumeInfo(path, h.Width, h.Height, ifds.Length, 1, 1, 1, 0, 0, 0, h.BitsPerSample == 8 ? VoxelType.UInt8 : h.BitsPerSample == 16 ? VoxelType.UInt16 : VoxelType.Float32);
        return new SliceFolderSource(info, null, bytes, ifds, []);
    }

    /// <summary>Decodes page <paramref name="z"/> alone: the header's first-IFD offset is pointed at it and its next-IFD link cut, then both restored.</summary>
    private Mat DecodePage(int z)
    {
        byte[] d = _tiff!;
        bool le = d[0] == (byte)'I';
        long ifd = _ifds![z];
        int n = le ? d[(int)ifd] | (d[(int)ifd + 1] << 8) : (d[(int)ifd] << 8) | d[(int)ifd + 1];
        int nextAt = (int)(ifd + 2 + (12L * n));
        byte[] savedHead = d[4..8], savedNext = d[nextAt..(nextAt + 4)];
        try
        {
            WriteU32(d, 4, (uint)ifd, le);
            WriteU32(d, nextAt, 0, le);
            Mat m = Cv2.ImDecode(d, ImreadModes.Unchanged);
            if (m.Empty())
            {
                m.Dispose();
                throw new ScanLoadException(ScanStatus.Failed, Info.Path, $"page {z + 1} of {Info.Nz}: the TIFF decoder could not read it");
            }

            return m;
        }
        finally
        {
            savedHead.CopyTo(d, 4);
            savedNext.CopyTo(d, nextAt);
        }
    }

    private static void WriteU32(byte[] d, int at, uint v, bool le)
    {
        for (int i = 0; i < 4; i++)
        {
            d[at + i] = (byte)(v >> (8 * (le ? i : 3 - i)));
        }
    }

    public void ReadNext(Span<float> slice)
    {
        if (_z >= Info.Nz)
        {
            throw new InvalidOperationException($"all {Info.Nz} slices were read");
        }

        Mat? owned = null;
        Mat m;
        if (_tiff is not null)
        {
            owned = DecodePage(_z);
            m = owned;
        }
        else
        {
            try
            {
                Scan s = _loader.Load(ScanInput.Single(_files![_z]));
                owned = s.Image.Clone();
                s.Dispose();
                m = owned;
            }
            catch (ScanLoadException ex)
            {
                throw new ScanLoadException(ex.Status, Info.Path, $"slice {_z} ({Path.GetFileName(_files![_z])}): {ex.Reason}");
            }
        }

        try
        {
            if (m.Cols != Info.Nx || m.Rows != Info.Ny || m.Channels() != 1)
            {
                throw new ScanLoadException(ScanStatus.Failed, Info.Path, $"slice {_z} is {m.Cols}x{m.Rows}x{m.Channels()}, the first slice is {Info.Nx}x{Info.Ny}x1");
            }

            using var f = new Mat();
            m.ConvertTo(f, MatType.CV_32F);
            unsafe
            {
                new ReadOnlySpan<float>((void*)f.Data, Info.Nx * Info.Ny).CopyTo(slice);
            }

            _z++;
        }
        finally
        {
            owned?.Dispose();
        }
    }

    public void Dispose()
    {
        // Pages are decoded one at a time and freed at once; nothing is held between calls.
    }

    [GeneratedRegex(@"\d+(?=\D*$)")]
    private static partial Regex LastNumber();
}
