namespace XrayAnalysis.Outputs;

/// <summary>One CSV field as RFC 4180 writes it: quoted (with doubled quotes) only when it holds a comma, quote or line break.</summary>
internal static class CsvField
{
    public static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
