namespace XrayAnalysis.Inference;

/// <summary>The model cannot be used: missing, not ONNX, wrong tensor shapes, unknown layout or a hash mismatch.</summary>
public sealed class ModelLoadException : XrayAnalysisException
{
    public ModelLoadException(string message)
        : base(message)
    {
    }

    public ModelLoadException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
