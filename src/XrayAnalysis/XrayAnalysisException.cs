namespace XrayAnalysis;

/// <summary>Base type for the library's own exceptions; messages name the file or tensor and the numbers involved.</summary>
public class XrayAnalysisException : Exception
{
    public XrayAnalysisException(string message)
        : base(message)
    {
    }

    public XrayAnalysisException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
