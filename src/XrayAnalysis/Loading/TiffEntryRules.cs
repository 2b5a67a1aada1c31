namespace XrayAnalysis.Loading;

/// <summary>
/// The IFD entry checks libtiff makes when it reads a directory (and reports as warnings that OpenCV never shows):
/// entries sorted by tag, known data types, values inside the file, and the types, counts and values the baseline tags
/// allow. A directory that breaks them was written wrong or damaged, so its pixels cannot be trusted. Unknown tags are
/// allowed: scanner vendors write private tags.
/// </summary>
internal static class TiffEntryRules
{
    /// <summary>Bytes per value of TIFF data types 1–12; 0 for unknown types.</summary>
    public static int TypeSize(int type) => type switch
    {
        1 or 2 or 6 or 7 => 1,
        3 or 8 => 2,
        4 or 9 or 11 or 13 => 4,
        5 or 10 or 12 => 8,
        _ => 0,
    };

    /// <summary>Returns a defect for one entry, or null.</summary>
    public static string? Check(ReadOnlySpan<byte> d, int tag, int type, uint count, uint value, int previousTag, bool le)
    {
        if (tag <= previousTag)
        {
            return $"damaged TIFF: directory entries are not sorted (tag {tag} after {previousTag})";
        }

        int size = TypeSize(type);
        if (size == 0)
        {
            return $"damaged TIFF: tag {tag} has unknown data type {type}";
        }

        long bytes = (long)size * count;
        if (bytes > 4 && value + bytes > d.Length)
        {
            return $"damaged TIFF: the values of tag {tag} ({bytes} bytes at byte {value}) lie past the end of the file";
        }

        bool shortOrLong = type is 3 or 4;
        switch (tag)
        {
            case 256 or 257 or 278 or 322 or 323:
                return shortOrLong && count == 1 ? null : Bad(tag, type, count);
            case 254:
                return type == 4 && count == 1 ? null : Bad(tag, type, count);
            case 255 or 259 or 262 or 274 or 277 or 296 or 317:
                return type == 3 && count == 1 ? null : Bad(tag, type, count);
            case 284:
                return type == 3 && count == 1 && value is 1 or 2 ? null : $"damaged TIFF: PlanarConfiguration {value} (type {type}, count {count}) is not valid";
            case 258 or 339:
                return type == 3 && count >= 1 ? null : Bad(tag, type, count);
            case 273 or 279 or 324 or 325:
                return shortOrLong && count >= 1 ? null : Bad(tag, type, count);
            case 269 or 270 or 271 or 272 or 285 or 305 or 306 or 315 or 316:
                if (type == 2 && count > 0)
                {
                    byte last = count <= 4 ? (byte)(le ? value >> (int)(8 * (count - 1)) : value >> (int)(8 * (4 - count))) : d[(int)(value + count - 1)];
                    return last == 0 ? null : $"damaged TIFF: ASCII value of tag {tag} does not end in a null byte";
                }

                return type == 2 ? null : Bad(tag, type, count);
            default:
                return null;
        }
    }

    private static string Bad(int tag, int type, uint count) => $"damaged TIFF: tag {tag} has type {type} and count {count}, which the TIFF specification does not allow";
}
