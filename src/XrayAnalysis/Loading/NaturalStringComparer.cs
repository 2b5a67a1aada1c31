namespace XrayAnalysis.Loading;

/// <summary>Orders strings so that embedded numbers compare by value: <c>slice2</c> before <c>slice10</c>.</summary>
internal sealed class NaturalStringComparer : IComparer<string>
{
    /// <summary>The shared instance (stateless).</summary>
    public static readonly NaturalStringComparer Instance = new();

    private NaturalStringComparer()
    {
    }

    /// <inheritdoc/>
    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                int si = i, sj = j;
                while (i < x.Length && char.IsAsciiDigit(x[i]))
                {
                    i++;
                }

                while (j < y.Length && char.IsAsciiDigit(y[j]))
                {
                    j++;
                }

                ReadOnlySpan<char> a = x.AsSpan(si, i - si).TrimStart('0');
                ReadOnlySpan<char> b = y.AsSpan(sj, j - sj).TrimStart('0');
                if (a.Length != b.Length)
                {
                    return a.Length.CompareTo(b.Length);
                }

                int c = a.CompareTo(b, StringComparison.Ordinal);
                if (c != 0)
                {
                    return c;
                }
            }
            else
            {
                int c = x[i].CompareTo(y[j]);
                if (c != 0)
                {
                    return c;
                }

                i++;
                j++;
            }
        }

        return (x.Length - i).CompareTo(y.Length - j);
    }
}
