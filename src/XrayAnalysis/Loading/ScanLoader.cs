using OpenCvSharp;

namespace XrayAnalysis.Loading;

/// <summary>
/// Loads 2D scans through OpenCV without losing bit depth, after <see cref="ImageHeaderProbe"/> has checked the
/// container and the pixel cap. Thread-safe: holds only immutable options.
/// </summary>
internal sealed class ScanLoader
{
    /// <summary>Creates a loader with the given limits.</summary>
    public ScanLoader(ScanLoaderOptions? options = null)
    {
        Options = options ?? new ScanLoaderOptions();
    }

    /// <summary>The limits in force.</summary>
    public ScanLoaderOptions Options { get; }

    /// <summary>Loads a scan. Throws <see cref="ScanLoadException"/> with status and reason for every bad input.</summary>
    public Scan Load(ScanInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.LowEnergyPath is { } lowPath)
        {
            // The two energies are independent files: read, check and decode them in parallel.
            Task<(ImageHeader Header, string Sha, Mat Pixels)> lowTask = Task.Run(() => ReadDecode(lowPath));
            (ImageHeader Header, string Sha, Mat Pixels)? high = null, low = null;
            ScanLoadException? error = null;
            try
            {
                high = ReadDecode(input.Path);
            }
            catch (ScanLoadException ex)
            {
                error = ex;
            }

            try
            {
                low = lowTask.GetAwaiter().GetResult();
            }
            catch (ScanLoadException ex)
            {
                error ??= ex;
            }

            try
            {
                if (error is not null)
                {
                    throw error;
                }

                ValidatePair(input, high!.Value.Pixels, low!.Value.Pixels);
                return new Scan(input, high.Value.Pixels, low.Value.Pixels, high.Value.Header, high.Value.Sha, low.Value.Sha);
            }
            catch
            {
                high?.Pixels.Dispose();
                low?.Pixels.Dispose();
                throw;
            }
        }

        using FileBytes file = ReadAndProbe(input.Path, out ImageHeader header);
        string sha = file.Sha256;

        if (header.Format == ImageFormat.Tiff && header.PageCount > 1)
        {
            return LoadTwoPageTiff(input, header, sha);
        }

        Mat? pixels = null;
        try
        {
            pixels = Decode(input.Path, file, header);
            long nonFinite = PatchNonFinite(input.Path, pixels);
            var scan = new Scan(input, pixels, null, header, sha, null)
            {
                NonFiniteSamples = pixels.Depth() == MatType.CV_32F ? nonFinite : null,
                ExifOrientation = ExifOrientation.Read(file.Span, header.Format),
            };
            pixels = null;
            return scan;
        }
        finally
        {
            pixels?.Dispose();
        }
    }

    private (ImageHeader Header, string Sha256, Mat Pixels) ReadDecode(string path)
    {
        Mat pixels;
        ImageHeader header;
        string sha;
        using (FileBytes file = ReadAndProbe(path, out header))
        {
            sha = file.Sha256;
            if (header.PageCount != 1)
            {
                throw new ScanLoadException(ScanStatus.Rejected, path, $"a file of a dual-energy pair must have one page, this one has {header.PageCount}");
            }

            // The file's bytes are freed here, before the pair's other file is waited for or anything is rendered.
            pixels = Decode(path, file, header);
        }

        try
        {
            PatchNonFinite(path, pixels);
            return (header, sha, pixels);
        }
        catch
        {
            pixels.Dispose();
            throw;
        }
    }

    /// <summary>Reads the file (hashing it on the way), probes its header and checks the caps; the caller disposes the bytes.</summary>
    private FileBytes ReadAndProbe(string path, out ImageHeader header)
    {
        FileBytes file;
        try
        {
            if (FileKind.NotRegular(path) is { } kind)
            {
                throw new ScanLoadException(ScanStatus.Failed, path, kind);
            }

            file = FileBytes.Read(path, Options.MaxFileBytes,
                length => new ScanLoadException(ScanStatus.Rejected, path, $"file is {length} bytes, above the {Math.Min(Options.MaxFileBytes, Array.MaxLength)}-byte cap"));
        }
        catch (IOException ex)
        {
            throw new ScanLoadException(ScanStatus.Failed, path, $"I/O error: {ex.Message}");
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ScanLoadException(ScanStatus.Failed, path, $"access denied: {ex.Message}");
        }

        try
        {
            header = Dicos.DicomParser.IsDicom(file.Span) ? ProbeDicos(path, file) : ImageHeaderProbe.Probe(path, file.Span, Options.MaxPages, deferPngData: true);
            if (header.Pixels > Options.MaxPixels)
            {
                throw new ScanLoadException(ScanStatus.Rejected, path,
                    $"{header.Width}x{header.Height} = {header.Pixels} pixels is above the {Options.MaxPixels}-pixel cap");
            }

            if (header.Defect is not null)
            {
                throw new ScanLoadException(ScanStatus.Incomplete, path, header.Defect);
            }

            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private ImageHeader ProbeDicos(string path, FileBytes file)
    {
        try
        {
            ImageHeader h = Dicos.DicosImage.Probe(file.ToArray(), Options.MaxPixels).Header;
            if (h.PageCount > 1)
            {
                throw new ScanLoadException(ScanStatus.Rejected, path,
                    $"DICOS: multi-frame image ({h.PageCount} frames of {h.Width} x {h.Height}): a CT volume, read by xray volume, not a 2D scan");
            }

            return h;
        }
        catch (Dicos.DicosException ex)
        {
            throw new ScanLoadException(ex.Status, path, ex.Message);
        }
    }

    private static Mat DecodeDicos(string path, FileBytes file)
    {
        try
        {
            Dicos.DicomFile f = Dicos.DicomParser.Parse(file.ToArray());
            return Dicos.DicosImage.Frame(f, Dicos.DicosImage.Info(f, long.MaxValue), 0);
        }
        catch (Dicos.DicosException ex)
        {
            throw new ScanLoadException(ex.Status, path, ex.Message);
        }
    }

    private static Mat Decode(string path, FileBytes file, ImageHeader header)
    {
        if (header.Format == ImageFormat.Dicos)
        {
            return DecodeDicos(path, file);
        }

        Mat decoded;
        try
        {
            // A PNG whose data check the probe deferred is inflated, checked and unfiltered in one pass.
            decoded = header.DeferredPng is { } png
                ? PngDecoder.Decode(path, file.Span, png, header.Width, header.Height)
                : Cv2.ImDecode(file.Span, ImreadModes.Unchanged);
        }
        catch (OpenCVException ex)
        {
            throw new ScanLoadException(ScanStatus.Failed, path, $"decoder error: {ex.Message}");
        }

        if (decoded.Empty())
        {
            decoded.Dispose();
            throw new ScanLoadException(ScanStatus.Failed, path, $"the {header.Format} decoder could not read the pixel data");
        }

        if (decoded.Cols != header.Width || decoded.Rows != header.Height)
        {
            int w = decoded.Cols, h = decoded.Rows;
            decoded.Dispose();
            throw new ScanLoadException(ScanStatus.Failed, path, $"decoded size {w}x{h} differs from the header's {header.Width}x{header.Height}");
        }

        // OpenCV's IMREAD_UNCHANGED ignores EXIF orientation: turn the pixels into the frame every viewer shows.
        Mat oriented = ExifOrientation.Apply(decoded, ExifOrientation.Read(file.Span, header.Format));
        if (!ReferenceEquals(oriented, decoded))
        {
            decoded.Dispose();
        }

        return Normalise(path, oriented);
    }

    /// <summary>
    /// NaN and ±Inf samples of a float image: replaced by the smallest finite sample so that they take no part in windowing,
    /// counted, and above <see cref="ScanLoaderOptions.MaxNonFiniteShare"/> the scan is incomplete.
    /// </summary>
    private long PatchNonFinite(string path, Mat m)
    {
        if (m.Depth() != MatType.CV_32F)
        {
            return 0;
        }

        long bad = 0;
        float min = float.PositiveInfinity;
        int w = m.Cols * m.Channels(), rows = m.Rows;
        for (int y = 0; y < rows; y++)
        {
            unsafe
            {
                var row = new Span<float>((void*)m.Ptr(y), w);
                foreach (float v in row)
                {
                    if (float.IsFinite(v))
                    {
                        min = Math.Min(min, v);
                    }
                    else
                    {
                        bad++;
                    }
                }
            }
        }

        if (bad == 0)
        {
            return 0;
        }

        long total = (long)rows * w;
        if (bad > Options.MaxNonFiniteShare * total || float.IsInfinity(min))
        {
            throw new ScanLoadException(ScanStatus.Incomplete, path,
                $"{bad} of {total} samples are NaN or infinite ({100.0 * bad / total:0.###}%, above the {100 * Options.MaxNonFiniteShare:0.###}% limit)");
        }

        for (int y = 0; y < rows; y++)
        {
            unsafe
            {
                var row = new Span<float>((void*)m.Ptr(y), w);
                for (int x = 0; x < row.Length; x++)
                {
                    if (!float.IsFinite(row[x]))
                    {
                        row[x] = min;
                    }
                }
            }
        }

        return bad;
    }

    /// <summary>Drops alpha; keeps 8U/16U/16S/32F samples; rejects other sample types.</summary>
    private static Mat Normalise(string path, Mat m)
    {
        MatType depth = m.Depth();
        if (depth != MatType.CV_8U && depth != MatType.CV_16U && depth != MatType.CV_16S && depth != MatType.CV_32F)
        {
            string name = m.Type().ToString();
            m.Dispose();
            throw new ScanLoadException(ScanStatus.Rejected, path, $"sample type {name} is not supported (8/16-bit unsigned, 16-bit signed or 32-bit float)");
        }

        int ch = m.Channels();
        if (ch == 1 || ch == 3)
        {
            return m;
        }

        using (m)
        {
            var outMat = new Mat();
            switch (ch)
            {
                case 2:
                    Cv2.ExtractChannel(m, outMat, 0);
                    break;
                case 4:
                    Cv2.CvtColor(m, outMat, ColorConversionCodes.BGRA2BGR);
                    break;
                default:
                    outMat.Dispose();
                    throw new ScanLoadException(ScanStatus.Rejected, path, $"{ch} channels are not supported (1, 2, 3 or 4)");
            }

            return outMat;
        }
    }

    private Scan LoadTwoPageTiff(ScanInput input, ImageHeader header, string sha)
    {
        if (header.PageCount != 2)
        {
            throw new ScanLoadException(ScanStatus.Rejected, input.Path,
                $"multi-page TIFF with {header.PageCount} pages: a 2D scan has 1 page, a dual-energy scan 2 (use 'xray volume' for slice stacks)");
        }

        Mat[] pages;
        try
        {
            Cv2.ImReadMulti(input.Path, out pages, ImreadModes.Unchanged);
        }
        catch (OpenCVException ex)
        {
            throw new ScanLoadException(ScanStatus.Failed, input.Path, $"decoder error: {ex.Message}");
        }

        if (pages.Length != 2)
        {
            foreach (Mat p in pages)
            {
                p.Dispose();
            }

            throw new ScanLoadException(ScanStatus.Failed, input.Path, $"the TIFF decoder returned {pages.Length} pages, the header declares 2");
        }

        try
        {
            Mat high = Normalise(input.Path, pages[0]);
            pages[0] = high;
            Mat low = Normalise(input.Path, pages[1]);
            pages[1] = low;
            PatchNonFinite(input.Path, high);
            PatchNonFinite(input.Path, low);
            ValidatePair(input, high, low);
            return new Scan(input, high, low, header, sha, null);
        }
        catch
        {
            pages[0].Dispose();
            pages[1].Dispose();
            throw;
        }
    }

    private static void ValidatePair(ScanInput input, Mat high, Mat low)
    {
        if (high.Size() != low.Size())
        {
            throw new ScanLoadException(ScanStatus.Failed, input.Path,
                $"dual-energy pair sizes differ: high {high.Cols}x{high.Rows}, low {low.Cols}x{low.Rows}");
        }

        if (high.Channels() != 1 || low.Channels() != 1)
        {
            throw new ScanLoadException(ScanStatus.Failed, input.Path,
                $"dual-energy images must be single-channel transmission images (high has {high.Channels()}, low has {low.Channels()})");
        }

        if (high.Depth() != low.Depth())
        {
            throw new ScanLoadException(ScanStatus.Failed, input.Path,
                $"dual-energy pair sample types differ: high {high.Type()}, low {low.Type()}");
        }
    }
}
