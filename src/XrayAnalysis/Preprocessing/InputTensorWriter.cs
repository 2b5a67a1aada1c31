using OpenCvSharp;

namespace XrayAnalysis.Preprocessing;

/// <summary>
/// Writes an 8-bit BGR picture into one NCHW float32 slot of a model input following an <see cref="InputContract"/>:
/// resize (letterbox centred or top-left, or stretch) with the contract's interpolation onto a canvas of its pad value,
/// then channel order, scale and optional mean/std. All pixel work is done by OpenCV; the planes are written straight
/// into the tensor buffer through Mat headers over it. The two working images (the 8-bit canvas and its float copy,
/// 2.2 MB at 384²) come from a small pool instead of being allocated per image: a tiled cargo scan writes hundreds.
/// </summary>
internal static class InputTensorWriter
{
    /// <summary>Most canvas pairs kept for reuse (one per thread writing at once is enough).</summary>
    private const int PoolLimit = 8;

    private static readonly System.Collections.Concurrent.ConcurrentBag<(Mat Canvas, Mat Float)> Pool = [];

    /// <summary>Grey level of letterbox padding in the Ultralytics and YOLOX conventions.</summary>
    public const byte PadValue = 114;

    /// <summary>Fills <paramref name="dst"/> (length 3·H·W) from <paramref name="bgr"/> with the Ultralytics convention.</summary>
    public static LetterboxTransform Write(Mat bgr, int inW, int inH, ResizeMode mode, Span<float> dst) =>
        Write(bgr, InputContractResolver.Resolve(null, null, new PreprocessSettings { Resize = mode }, PreprocessSettings.Ultralytics(mode), "ultralytics", (inW, inH), inW), dst);

    /// <summary>
    /// Fills <paramref name="dst"/> (length 3·H·W) from <paramref name="bgr"/> (8-bit, 3 channels, BGR) as
    /// <paramref name="contract"/> says, upscaling by at most <paramref name="maxUpscale"/> and filling at most the
    /// fraction <paramref name="fill"/> of the input in the letterbox modes. Returns the geometric map back to the picture.
    /// </summary>
    public static unsafe LetterboxTransform Write(Mat bgr, InputContract contract, Span<float> dst, double maxUpscale = double.PositiveInfinity, double fill = 1.0)
    {
        ArgumentNullException.ThrowIfNull(bgr);
        ArgumentNullException.ThrowIfNull(contract);
        int inW = contract.Width, inH = contract.Height, plane = inW * inH;
        if (dst.Length < 3 * plane)
        {
            throw new ArgumentException($"tensor slot holds {dst.Length} floats, needs {3 * plane} for 3x{inH}x{inW}", nameof(dst));
        }

        if (bgr.Type() != MatType.CV_8UC3)
        {
            throw new ArgumentException($"expected an 8-bit 3-channel picture, got {bgr.Type()}", nameof(bgr));
        }

        LetterboxTransform t = LetterboxTransform.Create(bgr.Cols, bgr.Rows, inW, inH, contract.Resize, maxUpscale, fill);
        byte pad = contract.PadValue;
        (Mat canvas, Mat asFloat) = Rent(inW, inH);
        try
        {
            Fill(bgr, contract, dst, t, pad, canvas, asFloat);
        }
        finally
        {
            Return((canvas, asFloat));
        }

        return t;
    }

    private static unsafe void Fill(Mat bgr, InputContract contract, Span<float> dst, LetterboxTransform t, byte pad, Mat canvas, Mat asFloat)
    {
        int inW = contract.Width, inH = contract.Height, plane = inW * inH;
        if (t.ResizedWidth != inW || t.ResizedHeight != inH)
        {
            canvas.SetTo(new Scalar(pad, pad, pad));
        }

        using (var roi = new Mat(canvas, new Rect(t.PadLeft, t.PadTop, t.ResizedWidth, t.ResizedHeight)))
        {
            if (t.ResizedWidth == bgr.Cols && t.ResizedHeight == bgr.Rows)
            {
                bgr.CopyTo(roi);
            }
            else
            {
                Cv2.Resize(bgr, roi, new Size(t.ResizedWidth, t.ResizedHeight), 0, 0, Flags(contract.Interpolation));
            }
        }

        canvas.ConvertTo(asFloat, MatType.CV_32FC3, contract.Scale);
        fixed (float* p = dst)
        {
            using var c0 = Mat.FromPixelData(inH, inW, MatType.CV_32FC1, (IntPtr)p);
            using var c1 = Mat.FromPixelData(inH, inW, MatType.CV_32FC1, (IntPtr)(p + plane));
            using var c2 = Mat.FromPixelData(inH, inW, MatType.CV_32FC1, (IntPtr)(p + (2 * plane)));

            // RGB: tensor channel 0 is R (BGR index 2); BGR: planes in OpenCV's order.
            int[] pairs = contract.ChannelOrder == ChannelOrder.Rgb ? [2, 0, 1, 1, 0, 2] : [0, 0, 1, 1, 2, 2];
            Cv2.MixChannels([asFloat], [c0, c1, c2], pairs);
            if (contract.Mean is not null || contract.Std is not null)
            {
                Mat[] planes = [c0, c1, c2];
                for (int c = 0; c < 3; c++)
                {
                    double mean = contract.Mean?[c] ?? 0, std = contract.Std?[c] ?? 1;
                    planes[c].ConvertTo(planes[c], MatType.CV_32FC1, 1.0 / std, -mean / std);
                }
            }
        }
    }

    private static (Mat Canvas, Mat Float) Rent(int w, int h)
    {
        while (Pool.TryTake(out (Mat Canvas, Mat Float) e))
        {
            if (e.Canvas.Cols == w && e.Canvas.Rows == h)
            {
                return e;
            }

            e.Canvas.Dispose();
            e.Float.Dispose();
        }

        return (new Mat(h, w, MatType.CV_8UC3), new Mat(h, w, MatType.CV_32FC3));
    }

    private static void Return((Mat Canvas, Mat Float) e)
    {
        if (Pool.Count < PoolLimit)
        {
            Pool.Add(e);
        }
        else
        {
            e.Canvas.Dispose();
            e.Float.Dispose();
        }
    }

    private static InterpolationFlags Flags(Interpolation i) => i switch
    {
        Interpolation.Nearest => InterpolationFlags.Nearest,
        Interpolation.Area => InterpolationFlags.Area,
        Interpolation.Cubic => InterpolationFlags.Cubic,
        _ => InterpolationFlags.Linear,
    };
}
