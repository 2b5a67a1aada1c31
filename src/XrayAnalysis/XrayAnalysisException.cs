namespace XrayAnalysis;

/// <summary>Base type for the library's own exceptions; messages name the file or tensor and the numbers involved.</summary>
public class XrayAnalysisException : Exception
{
    /// <summary>An error with a one-line message.</summary>
    public XrayAnalysisException(string message)
        : base(message)
    {
    }

    /// <summary>An error with a one-line message and its cause.</summary>
    public XrayAnalysisException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
