using System.Globalization;

namespace XrayAnalysis.Inference;

/// <summary>A parsed <c>--device</c> value: the CPU, or CUDA device N.</summary>
internal readonly record struct InferenceDevice(bool Cuda, int Index)
{
    /// <summary>The CPU.</summary>
    public static readonly InferenceDevice Cpu = new(false, 0);

    /// <summary>Parses <c>cpu</c>, <c>cuda</c> (device 0) or <c>cuda:N</c>; throws <see cref="ArgumentException"/> otherwise.</summary>
    public static InferenceDevice Parse(string? value)
    {
        string v = (value ?? "cpu").Trim().ToLowerInvariant();
        if (v == "cpu")
        {
            return Cpu;
        }

        if (v == "cuda")
        {
            return new(true, 0);
        }

        if (v.StartsWith("cuda:", StringComparison.Ordinal) &&
            int.TryParse(v.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 0 and < 64)
        {
            return new(true, n);
        }

        throw new ArgumentException($"'{value}' is not cpu, cuda or cuda:N (N a device number 0-63)", "Device");
    }

    /// <inheritdoc/>
    public override string ToString() => Cuda ? $"cuda:{Index}" : "cpu";
}
