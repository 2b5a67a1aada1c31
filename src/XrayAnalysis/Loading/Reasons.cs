namespace XrayAnalysis.Loading;

/// <summary>Turns exceptions into the one-line, never-empty reasons that results and stderr carry.</summary>
internal static class Reasons
{
    /// <summary>
    /// The first line of the message of <paramref name="ex"/> (or of its innermost exception when the outer one only wraps),
    /// prefixed with the exception type when the message alone would say too little.
    /// </summary>
    public static string Of(Exception ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        if (ex is ScanLoadException sle)
        {
            return OneLine(sle.Reason, "unreadable input");
        }

        Exception e = ex is AggregateException { InnerExceptions.Count: 1 } ag ? ag.InnerExceptions[0] : ex;
        if (e is TypeInitializationException or System.Reflection.TargetInvocationException && e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return $"{e.GetType().Name}: {OneLine(e.Message, "no message")}";
    }

    /// <summary>Collapses a message to its first non-empty line; <paramref name="fallback"/> when there is none.</summary>
    public static string OneLine(string? message, string fallback)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return fallback;
        }

        foreach (string line in message.Split('\n'))
        {
            string t = line.Trim();
            if (t.Length > 0)
            {
                return t.Length > 400 ? t[..400] + "…" : t;
            }
        }

        return fallback;
    }
}
