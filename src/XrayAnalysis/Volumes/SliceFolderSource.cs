using System.Text.RegularExpressions;
using OpenCvSharp;
using XrayAnalysis.Loading;

namespace XrayAnalysis.Volumes;

/// <summary>
/// Slices from a folder of 2D images (natural sort; each read through the checked <see cref="ScanLoader"/> when its turn
/// comes) or from a multi-page TIFF (at most the page cap; OpenCV decodes the pages in one call, so memory is bounded by
/// the cap rather than streamed).
/// </summary>
internal sealed partial class SliceFolderSource : IVolumeSource
{
    private readonly IReadOnlyList<string>? _files;
    private readonly Mat[]? _pages;
    private readonly ScanLoader _loader = new();
    private readonly List<string> _warnings = [];
    private int _z;

    private SliceFolderSource(VolumeInfo info, IReadOnlyList<string>? files, Mat[]? pages, List<string> warnings)
    {
        Info = info;
        _files = files;
        _pages = pages;
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
        return new SliceFolderSource(info, files, null, warnings);
    }

    public static SliceFolderSource OpenMultiPage(string path, int maxPages)
    {
        byte[] bytes = File.ReadAllBytes(path);
        ImageHeader h;
        try
        {
            h = ImageHeaderProbe.Probe(path, bytes, maxPages);
        }
        catch (ScanLoadException ex)
        {
            throw new ScanLoadException(ex.Status, path, ex.Reason);
        }

        if (h.Defect is not null)
        {
            throw new ScanLoadException(ScanStatus.Incomplete, path, h.Defect);
        }

        Cv2.ImReadMulti(path, out Mat[] pages, ImreadModes.Unchanged);
        if (pages.Length != h.PageCount)
        {
            foreach (Mat p in pages)
            {
                p.Dispose();
            }

            throw new ScanLoadException(ScanStatus.Failed, path, $"the TIFF decoder returned {pages.Length} pages, the header declares {h.PageCount}");
        }

        var info = new VolumeInfo(path, h.Width, h.Height, pages.Length, 1, 1, 1, 0, 0, 0, h.BitsPerSample == 8 ? VoxelType.UInt8 : h.BitsPerSample == 16 ? VoxelType.UInt16 : VoxelType.Float32);
        return new SliceFolderSource(info, null, pages, []);
    }

    public void ReadNext(Span<float> slice)
    {
        if (_z >= Info.Nz)
        {
            throw new InvalidOperationException($"all {Info.Nz} slices were read");
        }

        int z = _z;
        Mat? owned = null;
        Mat m;
        if (_pages is not null)
        {
            m = _pages[_z];
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
            // A page is read once: free it as soon as it has been converted.
            _pages?[z].Dispose();
        }
    }

    public void Dispose()
    {
        if (_pages is not null)
        {
            foreach (Mat p in _pages)
            {
                p.Dispose();
            }
        }
    }

    [GeneratedRegex(@"\d+(?=\D*$)")]
    private static partial Regex LastNumber();
}
