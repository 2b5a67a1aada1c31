namespace XrayAnalysis.Evaluation;

/// <summary>Wilson score interval for a binomial proportion (95% by default): honest near 0 and 1 and for small n.</summary>
internal static class Wilson
{
    /// <summary>Returns (low, high); (0, 1) when <paramref name="n"/> is 0.</summary>
    public static (double Low, double High) Interval(int successes, int n, double z = 1.959963984540054)
    {
        if (n == 0)
        {
            return (0, 1);
        }

        double p = (double)successes / n;
        double z2 = z * z;
        double denom = 1 + (z2 / n);
        double centre = (p + (z2 / (2 * n))) / denom;
        double half = z * Math.Sqrt((p * (1 - p) / n) + (z2 / (4.0 * n * n))) / denom;
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }
}
