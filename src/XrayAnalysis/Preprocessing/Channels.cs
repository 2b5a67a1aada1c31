using OpenCvSharp;

namespace XrayAnalysis.Preprocessing;

/// <summary>Per-pixel reductions over a colour image's channels.</summary>
internal static class Channels
{
    /// <summary>
    /// The per-pixel minimum (or maximum) over the first three channels of a colour image; a copy of a one-channel image.
    /// Used for a render's darkest reading (TIP's visible extent) and its brightest one (air and shield levels).
    /// </summary>
    public static Mat Extreme(Mat src, bool max)
    {
        ArgumentNullException.ThrowIfNull(src);
        var result = new Mat();
        if (src.Channels() < 3)
        {
            src.CopyTo(result);
            return result;
        }

        Mat[] ch = Cv2.Split(src);
        try
        {
            if (max)
            {
                Cv2.Max(ch[0], ch[1], result);
                Cv2.Max(result, ch[2], result);
            }
            else
            {
                Cv2.Min(ch[0], ch[1], result);
                Cv2.Min(result, ch[2], result);
            }

            return result;
        }
        finally
        {
            foreach (Mat c in ch)
            {
                c.Dispose();
            }
        }
    }
}
