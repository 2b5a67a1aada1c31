using XrayAnalysis.Decoding;
using XrayAnalysis.Preprocessing;

namespace XrayAnalysis.Inference;

/// <summary>Everything known about a loaded detection model; what <c>xray model inspect</c> prints.</summary>
public sealed record ModelInfo
{
    /// <summary>The model file as opened.</summary>
    public required string Path { get; init; }

    /// <summary>The file name without extension.</summary>
    public required string Name { get; init; }

    /// <summary>SHA-256 of the model file, lower-case hex.</summary>
    public required string Sha256 { get; init; }

    /// <summary>The image input tensor.</summary>
    public required TensorInfo Input { get; init; }

    /// <summary>Every output tensor, as declared.</summary>
    public required IReadOnlyList<TensorInfo> Outputs { get; init; }

    /// <summary>The output decoded (the first output).</summary>
    public required TensorInfo DecodedOutput { get; init; }

    /// <summary>Concrete output shape seen on the warm-up run at batch 1.</summary>
    public required IReadOnlyList<long> ObservedOutputShape { get; init; }

    /// <summary>How the output is decoded.</summary>
    public required OutputLayout Layout { get; init; }

    /// <summary>How the layout was chosen.</summary>
    public required Decoding.LayoutSource LayoutSource { get; init; }

    /// <summary>Input width in pixels (from <see cref="Contract"/>).</summary>
    public int InputWidth => Contract.Width;

    /// <summary>Input height in pixels (from <see cref="Contract"/>).</summary>
    public int InputHeight => Contract.Height;

    /// <summary>How pictures are fitted to the input (from <see cref="Contract"/>).</summary>
    public ResizeMode ResizeMode => Contract.Resize;

    /// <summary>The preprocessing contract, with the source of each value.</summary>
    public required InputContract Contract { get; init; }

    /// <summary>The model's profile, or null when it has none.</summary>
    public ModelProfile? Profile { get; init; }

    /// <summary>Things a user must know about how the model is run (a guessed contract, default class names); shown by every command.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>True when the batch dimension is dynamic, so several images can share one Run.</summary>
    public required bool DynamicBatch { get; init; }

    /// <summary>Where the model runs: <c>cpu</c> or <c>cuda:N</c>, after any fall-back to the CPU (the reason is in <see cref="Notes"/>).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Class names by id; <c>class_N</c> where neither metadata nor a sidecar names them.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>Where the class names came from.</summary>
    public required ClassNamesSource ClassNamesSource { get; init; }

    /// <summary>The model's custom metadata (for example Ultralytics' names, imgsz, task).</summary>
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary>Name for a class id, <c>class_N</c> when out of range.</summary>
    public string ClassName(int id) => id >= 0 && id < ClassNames.Count ? ClassNames[id] : $"class_{id}";
}

/// <summary>Name, element type and shape of a model tensor; -1 marks a dynamic dimension.</summary>
public sealed record TensorInfo(string Name, string ElementType, IReadOnlyList<long> Shape)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Name} {ElementType}[{string.Join(", ", Shape)}]";
}
