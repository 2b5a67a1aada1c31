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
    public static IReadOnlyList<string> Names { get; } = ["probe", "loader", "metaimage", "nrrd", "tiffvolume"];

    /// <summary>Seed file extensions each target takes from a seed corpus.</summary>
    public static IReadOnlyList<string> SeedExtensions(string target) => target switch
    {
        "probe" or "loader" => [".png", ".jpg", ".tif", ".bmp"],
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
                default:
                    throw new ArgumentException($"unknown fuzz target '{target}'");
            }
        }
        catch (ScanLoadException)
        {
            // The documented outcome for bad input.
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
