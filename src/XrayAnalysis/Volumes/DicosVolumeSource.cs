using OpenCvSharp;
using XrayAnalysis.Dicos;
using XrayAnalysis.Loading;

namespace XrayAnalysis.Volumes;

/// <summary>
/// DICOS CT volumes: one multi-frame file (frames are slices; z spacing from the per-frame positions when present, else
/// Spacing Between Slices or Slice Thickness) or a series of single-frame files in a folder (ordered by the z of Image
/// Position (Patient), else by Instance Number; z spacing from the positions). In-plane spacing from Pixel Spacing
/// (row, column). Frames are decoded one at a time, when their turn comes.
/// </summary>
internal sealed class DicosVolumeSource : IVolumeSource
{
    private readonly Func<int, (DicomFile File, DicosPixelInfo Info, int Frame)> _frame;
    private readonly List<string> _warnings;
    private int _z;

    private DicosVolumeSource(VolumeInfo info, Func<int, (DicomFile, DicosPixelInfo, int)> frame, List<string> warnings)
    {
        Info = info;
        _frame = frame;
        _warnings = warnings;
    }

    public VolumeInfo Info { get; }

    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Whether <paramref name="path"/> starts like a DICOM Part 10 file.</summary>
    public static bool IsDicos(string path)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
            Span<byte> head = stackalloc byte[132];
            return fs.ReadAtLeast(head, 132, throwOnEndOfStream: false) == 132 && DicomParser.IsDicom(head);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>A multi-frame DICOS CT file.</summary>
    public static DicosVolumeSource OpenFile(string path, long maxVoxels, long maxFileBytes)
    {
        (DicomFile f, DicosPixelInfo info) = Read(path, maxVoxels, maxFileBytes);
        var warnings = new List<string>();
        if (info.Frames < 2)
        {
            warnings.Add("a single-frame DICOS file read as a volume of one slice");
        }

        double sz = f.Dataset.Real(0x00180088) ?? f.Dataset.Real(0x00180050) ?? 0;
        // Enhanced multi-frame: per-frame Plane Position (5200,9230)/(0020,9113)/(0020,0032).
        IReadOnlyList<DicomDataset> perFrame = f.Dataset.Sequence(0x52009230);
        if (perFrame.Count == info.Frames && info.Frames > 1)
        {
            double[] zs = perFrame.Select(p => p.Sequence(0x00209113).FirstOrDefault()?.Real(0x00200032, 2) ?? double.NaN).ToArray();
            if (zs.All(double.IsFinite))
            {
                sz = Math.Abs(zs[^1] - zs[0]) / (info.Frames - 1);
            }
        }

        if (sz <= 0)
        {
            warnings.Add("no slice spacing in the header (Spacing Between Slices, Slice Thickness or per-frame positions); 1 mm assumed");
            sz = 1;
        }

        (double sy, double sx) = PixelSpacing(f.Dataset, warnings);
        var vi = new VolumeInfo(path, info.Columns, info.Rows, info.Frames, sx, sy, sz, 0, 0, 0, VoxelType.Float32);
        return new DicosVolumeSource(vi, z => (f, info, z), warnings);
    }

    /// <summary>A folder of single-frame DICOS slices.</summary>
    public static DicosVolumeSource OpenSeries(string dir, IReadOnlyList<string> files, int maxSlices, long maxVoxels, long maxFileBytes)
    {
        if (files.Count > maxSlices)
        {
            throw new ScanLoadException(ScanStatus.Rejected, dir, $"{files.Count} DICOS slices is above the {maxSlices}-slice cap");
        }

        var slices = new List<(string Path, double? Z, long? Number, int Rows, int Cols)>();
        string? series = null;
        var warnings = new List<string>();
        foreach (string file in files)
        {
            (DicomFile f, DicosPixelInfo info) = Read(file, maxVoxels, maxFileBytes);
            if (info.Frames != 1)
            {
                throw new ScanLoadException(ScanStatus.Rejected, dir, $"{Path.GetFileName(file)}: DICOS: {info.Frames} frames in a slice series (one frame per file expected)");
            }

            string? s = f.Dataset.String(0x0020000E);
            if (series is null)
            {
                series = s;
            }
            else if (s is not null && s != series)
            {
                throw new ScanLoadException(ScanStatus.Rejected, dir, $"{Path.GetFileName(file)}: DICOS: belongs to series {s}, not {series}; one series per folder");
            }

            slices.Add((file, f.Dataset.Real(0x00200032, 2), f.Dataset.Integer(0x00200013), info.Rows, info.Columns));
        }

        if (slices.Select(x => (x.Rows, x.Cols)).Distinct().Count() > 1)
        {
            throw new ScanLoadException(ScanStatus.Rejected, dir, "DICOS: the slices differ in size");
        }

        double sz;
        if (slices.All(x => x.Z is not null))
        {
            slices = [.. slices.OrderBy(x => x.Z)];
            double[] gaps = slices.Zip(slices.Skip(1), (a, b) => b.Z!.Value - a.Z!.Value).ToArray();
            sz = gaps.Length > 0 ? gaps.Average() : 1;
            if (gaps.Any(g => g <= 0))
            {
                throw new ScanLoadException(ScanStatus.Rejected, dir, "DICOS: two slices share a position (duplicate slices)");
            }

            if (gaps.Length > 0 && gaps.Max() - gaps.Min() > 0.01 * sz + 1e-6)
            {
                warnings.Add($"uneven slice spacing ({gaps.Min():0.###}–{gaps.Max():0.###}); the mean {sz:0.###} is used");
            }
        }
        else
        {
            slices = [.. slices.OrderBy(x => x.Number ?? long.MaxValue).ThenBy(x => x.Path, NaturalStringComparer.Instance)];
            warnings.Add("slices ordered by Instance Number (no Image Position (Patient)); z spacing from Slice Thickness");
            (DicomFile f0, _) = Read(slices[0].Path, maxVoxels, maxFileBytes);
            sz = f0.Dataset.Real(0x00180088) ?? f0.Dataset.Real(0x00180050) ?? 1;
        }

        (DicomFile first, DicosPixelInfo firstInfo) = Read(slices[0].Path, maxVoxels, maxFileBytes);
        (double sy, double sx) = PixelSpacing(first.Dataset, warnings);
        if ((long)firstInfo.Rows * firstInfo.Columns * slices.Count > maxVoxels)
        {
            throw new ScanLoadException(ScanStatus.Rejected, dir, $"{firstInfo.Columns} x {firstInfo.Rows} x {slices.Count} voxels is above the {maxVoxels}-voxel cap");
        }

        var vi = new VolumeInfo(dir, firstInfo.Columns, firstInfo.Rows, slices.Count, sx, sy, sz, 0, 0, slices[0].Z ?? 0, VoxelType.Float32);
        return new DicosVolumeSource(vi, z =>
        {
            (DicomFile f, DicosPixelInfo info) = Read(slices[z].Path, maxVoxels, maxFileBytes);
            return (f, info, 0);
        }, warnings);
    }

    public void ReadNext(Span<float> slice)
    {
        if (_z >= Info.Nz)
        {
            throw new InvalidOperationException("all slices have been read");
        }

        (DicomFile f, DicosPixelInfo info, int frame) = _frame(_z);
        if (info.Rows != Info.Ny || info.Columns != Info.Nx)
        {
            throw new ScanLoadException(ScanStatus.Failed, Info.Path, $"DICOS: slice {_z + 1} is {info.Columns} x {info.Rows}, the volume {Info.Nx} x {Info.Ny}");
        }

        Mat m;
        try
        {
            m = DicosImage.Frame(f, info, frame);
        }
        catch (DicosException ex)
        {
            throw new ScanLoadException(ex.Status, Info.Path, $"slice {_z + 1}: {ex.Message}");
        }

        using (m)
        {
            if (m.Channels() != 1)
            {
                throw new ScanLoadException(ScanStatus.Rejected, Info.Path, "DICOS: a colour image is not a CT slice");
            }

            // Converted straight into the caller's slice: no per-slice managed array.
            unsafe
            {
                fixed (float* p = slice)
                {
                    using var dst = Mat.FromPixelData(Info.Ny, Info.Nx, MatType.CV_32FC1, (IntPtr)p);
                    m.ConvertTo(dst, MatType.CV_32F);
                }
            }
        }

        _z++;
    }

    public void Dispose()
    {
    }

    private static (DicomFile, DicosPixelInfo) Read(string path, long maxVoxels, long maxFileBytes)
    {
        try
        {
            var fi = new FileInfo(path);
            if (fi.Length > maxFileBytes)
            {
                throw new ScanLoadException(ScanStatus.Rejected, path, $"file is {fi.Length} bytes, above the {maxFileBytes}-byte cap");
            }

            DicomFile f = DicomParser.Parse(File.ReadAllBytes(path));
            return (f, DicosImage.Info(f, maxVoxels));
        }
        catch (DicosException ex)
        {
            throw new ScanLoadException(ex.Status, path, ex.Message);
        }
        catch (IOException ex)
        {
            throw new ScanLoadException(ScanStatus.Failed, path, $"I/O error: {ex.Message}");
        }
    }

    private static (double Sy, double Sx) PixelSpacing(DicomDataset d, List<string> warnings)
    {
        double? sy = d.Real(0x00280030, 0), sx = d.Real(0x00280030, 1);
        if (sy is > 0 && sx is > 0)
        {
            return (sy.Value, sx.Value);
        }

        warnings.Add("no Pixel Spacing in the header; 1 mm assumed");
        return (1, 1);
    }
}
