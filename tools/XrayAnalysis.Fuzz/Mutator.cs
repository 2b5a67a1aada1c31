namespace XrayAnalysis.Fuzz;

/// <summary>
/// Structure-unaware mutations of the kinds archives and attackers produce: bit flips, byte overwrites with boundary
/// values, truncation (with and without a format trailer appended), inserted, deleted and duplicated ranges, and 32-bit
/// fields set to 0, -1, 2^31 and friends. Deterministic for a given <see cref="Random"/>.
/// </summary>
internal static class Mutator
{
    private static readonly uint[] Interesting = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE];

    /// <summary>One mutated copy of <paramref name="input"/>; <paramref name="kind"/> says what was done (for the log).</summary>
    public static byte[] Mutate(byte[] input, Random rng, out string kind)
    {
        byte[] d = input;
        int n = d.Length;
        switch (rng.Next(9))
        {
            case 0:
            {
                d = (byte[])input.Clone();
                int flips = 1 + rng.Next(4);
                for (int i = 0; i < flips && n > 0; i++)
                {
                    d[rng.Next(n)] ^= (byte)(1 << rng.Next(8));
                }

                kind = $"flip{flips}";
                return d;
            }

            case 1:
            {
                d = (byte[])input.Clone();
                if (n > 0)
                {
                    d[rng.Next(n)] = (byte)Interesting[rng.Next(Interesting.Length)];
                }

                kind = "byte";
                return d;
            }

            case 2:
                kind = "truncate";
                return input[..rng.Next(Math.Max(1, n))];
            case 3:
            {
                int cut = rng.Next(Math.Max(1, n));
                kind = "truncate+trailer";
                return [.. input.AsSpan(0, cut), .. Trailer(input)];
            }

            case 4:
            {
                int at = rng.Next(n + 1);
                var extra = new byte[1 + rng.Next(64)];
                rng.NextBytes(extra);
                kind = "insert";
                return [.. input.AsSpan(0, at), .. extra, .. input.AsSpan(at)];
            }

            case 5:
            {
                int at = rng.Next(Math.Max(1, n)), len = Math.Min(n - at, 1 + rng.Next(256));
                kind = "delete";
                return [.. input.AsSpan(0, at), .. input.AsSpan(at + Math.Max(0, len))];
            }

            case 6:
            {
                int at = rng.Next(Math.Max(1, n)), len = Math.Min(n - at, 1 + rng.Next(512)), to = rng.Next(n + 1);
                kind = "duplicate";
                return [.. input.AsSpan(0, to), .. input.AsSpan(at, Math.Max(0, len)), .. input.AsSpan(to)];
            }

            case 7:
            {
                d = (byte[])input.Clone();
                if (n >= 4)
                {
                    // Headers live near the start: bias field overwrites there.
                    int at = rng.Next(2) == 0 ? rng.Next(Math.Min(n - 3, 512)) : rng.Next(n - 3);
                    uint v = Interesting[rng.Next(Interesting.Length)];
                    bool be = rng.Next(2) == 0;
                    for (int i = 0; i < 4; i++)
                    {
                        d[at + i] = (byte)(v >> (8 * (be ? 3 - i : i)));
                    }
                }

                kind = "field32";
                return d;
            }

            default:
            {
                d = (byte[])input.Clone();
                int at = rng.Next(Math.Max(1, n)), len = Math.Min(n - at, 1 + rng.Next(128));
                if (len > 0)
                {
                    rng.NextBytes(d.AsSpan(at, len));
                }

                kind = "scramble";
                return d;
            }
        }
    }

    private static byte[] Trailer(byte[] input) =>
        input.Length >= 2 && input[0] == 0xFF && input[1] == 0xD8 ? [0xFF, 0xD9]
        : input.Length >= 8 && input[0] == 0x89 && input[1] == 'P' ? [0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82]
        : [];
}
