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

    /// <summary>
    /// Writes the burned-in overlay PNG (with provenance text chunks) and, when <paramref name="layerPath"/> is given, the
    /// transparent layer. Returns false when there is no rendered image.
    /// </summary>
    public bool WriteOverlay(string path, string? layerPath = null, OverlayStyle? style = null)
    {
        if (Rendered is null)
        {
            return false;
        }

        AtomicFile.WriteAllBytes(path, OverlayWriter.OverlayPng(Rendered, Result, style));
        if (layerPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(layerPath)!);
            AtomicFile.WriteAllBytes(layerPath, OverlayWriter.LayerPng(Rendered.Cols, Rendered.Rows, Result, style));
        }

        return true;
    }

    /// <inheritdoc/>
    public void Dispose() => Rendered?.Dispose();
}
