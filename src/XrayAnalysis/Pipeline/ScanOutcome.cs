using OpenCvSharp;
using XrayAnalysis.Outputs;

namespace XrayAnalysis.Pipeline;

/// <summary>A scan's result plus, when asked for, the rendered picture for overlays. Dispose to free the picture.</summary>
internal sealed class ScanOutcome : IDisposable
{
    internal ScanOutcome(ScanResult result, Mat? rendered)
    {
        Result = result;
        Rendered = rendered;
    }

    /// <summary>Position of the input in the stream (orders outcomes).</summary>
    internal int Slot { get; init; }

    /// <summary>The result as written to JSON.</summary>
    public ScanResult Result { get; }

    /// <summary>The 8-bit BGR render the model saw (before letterboxing); null for failed scans or when not kept.</summary>
    internal Mat? Rendered { get; }

    /// <summary>Writes an overlay PNG with provenance text chunks. Returns false when there is no rendered image.</summary>
    public bool WriteOverlay(string path)
    {
        if (Rendered is null)
        {
            return false;
        }

        byte[] png = OverlayWriter.OverlayPng(Rendered, Result);
        AtomicFile.WriteAllBytes(path, png);
        return true;
    }

    /// <inheritdoc/>
    public void Dispose() => Rendered?.Dispose();
}
