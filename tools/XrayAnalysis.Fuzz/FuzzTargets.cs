using XrayAnalysis.Dicos;
using XrayAnalysis.Loading;
using XrayAnalysis.Volumes;

namespace XrayAnalysis.Fuzz;

/// <summary>
/// The parsers under fuzzing. Each target feeds one input to one parser and lets only the exceptions that parser
/// documents for bad input (<see cref="ScanLoadException"/>) pass; anything else escaping is a finding.
/// </summary>
public static class FuzzTargets
{
    /// <summary>Target names, as given on the command line.</summary>
    public static IReadOnlyList<string> Names { get; } = ["probe", "loader", "metaimage", "nrrd", "tiffvolume", "dicom", "jpegls"];

    /// <summary>Seed file extensions each target takes from a seed corpus.</summary>
    public static IReadOnlyList<string> SeedExtensions(string target) => target switch
    {
        "probe" => [".png", ".jpg", ".tif", ".bmp"],
        "loader" => [".png", ".jpg", ".tif", ".bmp", ".dcs"],
        "dicom" => [".dcs"],
        "jpegls" => [".ljpg"],
        "metaimage" => [".mha"],
        "nrrd" => [".nrrd"],
        "tiffvolume" => [".tif"],
        _ => throw new ArgumentException($"unknown fuzz target '{target}' (expected {string.Join(", ", Names)})"),
    };

    /// <summary>Runs one input. Bad input must end in <see cref="ScanLoadException"/> or a defect; any other exception escapes.</summary>
    /// <param name="scratch">A writable file path the file-based targets may use (on tmpfs for speed).</param>
    public static void Run(string target, byte[] input, string scratch)
    {
        try
        {
            switch (target)
            {
                case "probe":
                    ImageHeaderProbe.Probe("fuzz", input, 16);
                    break;
                case "loader":
                    File.WriteAllBytes(scratch + ".img", input);
                    using (Scan s = new ScanLoader(new ScanLoaderOptions { MaxPixels = 4_000_000 }).Load(ScanInput.Single(scratch + ".img")))
                    {
                        _ = s.Width;
                    }

                    break;
                case "metaimage":
                    File.WriteAllBytes(scratch + ".mha", input);
                    ReadAll(scratch + ".mha");
                    break;
                case "nrrd":
                    File.WriteAllBytes(scratch + ".nrrd", input);
                    ReadAll(scratch + ".nrrd");
                    break;
                case "tiffvolume":
                    File.WriteAllBytes(scratch + ".tif", input);
                    ReadAll(scratch + ".tif");
                    break;
                case "dicom":
                    // The DICOS reader in memory: parse, check the image attributes, decode every frame.
                    DicomFile f = DicomParser.Parse(input);
                    if (f.Dataset.Contains(DicomParser.PixelDataTag))
                    {
                        DicosPixelInfo info = DicosImage.Info(f, 4_000_000);
                        for (int i = 0; i < info.Frames; i++)
                        {
                            DicosImage.Frame(f, info, i).Dispose();
                        }
                    }

                    break;
                case "jpegls":
                    JpegLosslessDecoder.Decode(input, 4_000_000);
                    break;
                default:
                    throw new ArgumentException($"unknown fuzz target '{target}'");
            }
        }
        catch (ScanLoadException)
        {
            // The documented outcome for bad input.
        }
        catch (DicosException)
        {
            // The DICOS reader's documented outcome for bad input (the loader turns it into a ScanLoadException).
        }
    }

    private static void ReadAll(string path)
    {
        using IVolumeSource src = VolumeReader.Open(path, maxVoxels: 4_000_000, maxPages: 64);
        var slice = new float[(long)src.Info.Nx * src.Info.Ny];
        for (int z = 0; z < src.Info.Nz; z++)
        {
            src.ReadNext(slice);
        }
    }
}
