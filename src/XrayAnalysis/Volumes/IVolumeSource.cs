namespace XrayAnalysis.Volumes;

/// <summary>
/// Streams a volume's axial (z) slices in order, one at a time, as float32 in the file's own units. Implementations hold
/// at most one slice (plus decoder buffers) in memory.
/// </summary>
public interface IVolumeSource : IDisposable
{
    /// <summary>Dimensions, spacing, origin and sample type from the header.</summary>
    VolumeInfo Info { get; }

    /// <summary>Problems found that did not stop reading (for example missing slice numbers in a stack).</summary>
    IReadOnlyList<string> Warnings { get; }

    /// <summary>Reads the next slice (z = 0, 1, …) into <paramref name="slice"/> (length Nx·Ny). Throws <see cref="Loading.ScanLoadException"/> when data run out.</summary>
    void ReadNext(Span<float> slice);
}
