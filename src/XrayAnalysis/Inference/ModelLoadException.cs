namespace XrayAnalysis.Inference;

/// <summary>The model cannot be used: missing, not ONNX, wrong tensor shapes, unknown layout or a hash mismatch.</summary>
public sealed class ModelLoadException : XrayAnalysisException
{
    /// <summary>A model that cannot be used, with a one-line reason naming the file.</summary>
    public ModelLoadException(string message)
        : base(message)
    {
    }

    /// <summary>A model that cannot be used, with the error that showed it.</summary>
    public ModelLoadException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
