using OpenCvSharp;
using XrayAnalysis.Loading;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Pipeline;

/// <summary>A scan that has been read and rendered, waiting for inference. Owns its scan and its rendered picture.</summary>
internal sealed class PreparedScan(int slot, ScanInput input, Scan scan, Mat rendered, IntensityWindow? window, StageTimings timings) : IDisposable
{
    /// <summary>Position of the input in the stream.</summary>
    public int Slot { get; } = slot;

    /// <summary>Where the scan came from.</summary>
    public ScanInput Input { get; } = input;

    /// <summary>The scan (its raw pixels already released).</summary>
    public Scan Scan { get; } = scan;

    /// <summary>The 8-bit BGR picture the model sees, before letterboxing.</summary>
    public Mat Rendered { get; } = rendered;

    /// <summary>The intensity window used to render a 16-bit scan.</summary>
    public IntensityWindow? Window { get; } = window;

    /// <summary>Stage times so far.</summary>
    public StageTimings Timings { get; set; } = timings;

    /// <summary>Shield ("unable to clear") regions found before the raw pixels were released; null when the check is off.</summary>
    public IReadOnlyList<ShieldRegion>? Shield { get; init; }

    /// <summary>Why there was no shield check (off, or not a transmission image); null when it ran.</summary>
    public string? ShieldNote { get; init; }

    /// <summary>The letterbox used for a whole-scan run (its first pass when there are several fills).</summary>
    public LetterboxTransform Transform { get; set; }

    /// <summary>Each pass's boxes in source pixels, one per fill (<see cref="Inference.DetectorSettings.Fills"/>); null until set.</summary>
    public List<Detection>?[] Passes { get; set; } = [];

    /// <summary>Passes whose boxes are in.</summary>
    public int PassesDone { get; set; }

    /// <summary>True once the scan has its outcome (it is then owned by that outcome or freed).</summary>
    public bool Done { get; set; }

    /// <inheritdoc/>
    public void Dispose()
    {
        Rendered.Dispose();
        Scan.Dispose();
    }
}

/// <summary>One input of the pipeline: a file to read, or a scan already decoded (which the pipeline then owns).</summary>
internal sealed record ScanJob(ScanInput Input, Scan? Decoded);
