namespace XrayAnalysis.Cli.Review;

/// <summary>Assembles the review page: the HTML shell with its style, script and data inlined (one file, no requests).</summary>
internal static class ReviewHtml
{
    private static readonly Lazy<string> Shell = new(() => Resource("review.html").Replace("/*CSS*/", Resource("review.css"), StringComparison.Ordinal)
        .Replace("/*JS*/", Resource("review.js"), StringComparison.Ordinal));

    /// <summary>The page holding <paramref name="dataJson"/> (JSON whose &lt; &gt; &amp; are escaped, so it cannot end the script element).</summary>
    public static string Page(string dataJson)
    {
        if (dataJson.Contains("</", StringComparison.Ordinal))
        {
            throw new ArgumentException("the page data must not contain '</'", nameof(dataJson));
        }

        return Shell.Value.Replace("/*DATA*/", dataJson, StringComparison.Ordinal);
    }

    private static string Resource(string name)
    {
        using Stream s = typeof(ReviewHtml).Assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"missing resource {name}");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }
}
