using System.Globalization;
using System.Text;
using XrayAnalysis.Loading;
using XrayAnalysis.Outputs;

namespace XrayAnalysis.Volumes;

/// <summary>
/// Runs <see cref="VolumePipeline"/> over volumes into an output folder: takes the folder's lock, gives every input
/// exactly one result (a volume that cannot be read is a non-ok result with a one-line reason, and the batch goes on),
/// compares with ground truth found beside a volume, writes each result JSON atomically and a <c>summary.csv</c>.
/// </summary>
public sealed class VolumeBatch
{
    /// <summary>3D IoU at which a region matches a ground-truth region.</summary>
    public const double GroundTruthIou = 0.3;

    private readonly VolumePipeline _pipeline;
    private readonly string _outDir;

    /// <summary>A batch of <paramref name="pipeline"/> into <paramref name="outputFolder"/> (results/, pictures/, summary.csv).</summary>
    /// <param name="pipeline">The volume pipeline.</param>
    /// <param name="outputFolder">The folder; created when missing, locked while the batch runs.</param>
    public VolumeBatch(VolumePipeline pipeline, string outputFolder)
    {
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        _outDir = outputFolder;
    }

    /// <summary>Largest volume accepted, in voxels, checked from the header before any data is read.</summary>
    public long MaxVoxels { get; init; } = VolumeReader.DefaultMaxVoxels;

    /// <summary>Write projections and montages into pictures/.</summary>
    public bool Pictures { get; init; } = true;

    /// <summary>Called with each result once its file is written, in input order.</summary>
    public Action<VolumeResult>? OnResult { get; init; }

    /// <summary>
    /// Processes <paramref name="inputs"/> (MetaImage, NRRD, multi-page TIFF, slice folders). Throws
    /// <see cref="OutputLockedException"/> when another run holds the folder and <see cref="IOException"/> when it
    /// cannot be created; every problem with one volume is that volume's result.
    /// </summary>
    /// <param name="inputs">Volume files or slice folders.</param>
    public VolumeBatchReport Run(IReadOnlyList<string> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        using OutputLock folderLock = OutputLock.Acquire(_outDir);
        string resultsDir = Path.Combine(_outDir, "results");
        Directory.CreateDirectory(resultsDir);
        var results = new List<VolumeResult>(inputs.Count);
        var summary = new StringBuilder("name,input,status,reason,regions,slices\n");
        int notOk = 0, withGt = 0, gtTotal = 0, found = 0, fps = 0;
        var onLookAlikes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (string input in inputs)
        {
            string name = Path.GetFileNameWithoutExtension(input.TrimEnd('/'));
            VolumeResult result = One(input, name);
            if (result.Evaluation is { } e)
            {
                withGt++;
                gtTotal += e.GroundTruth;
                found += e.Matched;
                fps += e.FalsePositives;
                foreach ((string material, int count) in e.FalsePositivesOnLookAlikes)
                {
                    onLookAlikes[material] = onLookAlikes.GetValueOrDefault(material) + count;
                }
            }

            try
            {
                AtomicFile.WriteAllBytes(Path.Combine(resultsDir, name + ".json"), ResultJson.Serialize(result));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                result = result with { Status = ScanStatus.Failed, Reason = $"io: cannot write result: {Reasons.Of(ex)}" };
            }

            if (result.Status != ScanStatus.Ok)
            {
                notOk++;
            }

            results.Add(result);
            summary.Append(CsvField.Quote(name)).Append(',').Append(CsvField.Quote(input)).Append(',').Append(result.Status.ToString().ToLowerInvariant()).Append(',')
                .Append(CsvField.Quote(result.Reason ?? string.Empty)).Append(',').Append(result.Regions.Count.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(result.SlicesProcessed.ToString(CultureInfo.InvariantCulture)).Append('\n');
            OnResult?.Invoke(result);
        }

        string? summaryError = null;
        try
        {
            AtomicFile.WriteAllText(Path.Combine(_outDir, "summary.csv"), summary.ToString());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            summaryError = $"cannot write {Path.Combine(_outDir, "summary.csv")}: {Reasons.Of(ex)}";
        }

        return new VolumeBatchReport(results, notOk, withGt, gtTotal, found, fps, summaryError) { FalsePositivesOnLookAlikes = onLookAlikes };
    }

    private VolumeResult One(string input, string name)
    {
        try
        {
            using IVolumeSource src = VolumeReader.Open(input, MaxVoxels);
            VolumeResult result = _pipeline.Process(src, name, Pictures ? Path.Combine(_outDir, "pictures") : null, () => VolumeReader.Open(input, MaxVoxels));
            if (VolumeGroundTruth.FindBeside(input) is { } gtPath)
            {
                (var threats, var lookAlikes) = VolumeGroundTruth.Load(gtPath);
                result = result with
                {
                    Evaluation = VolumeGroundTruth.Evaluate(result.Regions, threats, GroundTruthIou, _pipeline.Settings.Confidence, lookAlikes),
                };
            }

            return result;
        }
        catch (Exception ex) when (ex is not (AccessViolationException or ThreadAbortException))
        {
            (ScanStatus status, string reason) = ex is ScanLoadException sle ? (sle.Status, Reasons.OneLine(sle.Reason, "unreadable volume")) : (ScanStatus.Failed, Reasons.Of(ex));
            return new VolumeResult
            {
                Name = name,
                Input = input,
                Model = _pipeline.ModelSummary,
                Parameters = _pipeline.Parameters,
                TimingsMs = new VolumeTimings(),
                Status = status,
                Reason = reason,
            };
        }
    }

}
